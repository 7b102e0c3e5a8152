import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cleanupAutoLogs, createAutoLog } from '../agent/logs/auto-log.js';
import { makeTempDir } from './helpers/temp-dir.js';
import { recordingLogger } from './helpers/recording-logger.js';

const tmp = makeTempDir('fleetvisor-logs-auto-');
after(() => tmp.remove());

const freshDir = (): string => tmp.fresh();


test('an AUTO log is named <procname>-<channel>---<identifier>-<8 random chars>.log and created empty, mode 0600', () => {
  const dir = freshDir();
  const path = createAutoLog(dir, 'web_0', 'stdout', 'supervisor');
  assert.match(basename(path), /^web_0-stdout---supervisor-[a-z0-9_]{8}\.log$/);
  const stats = statSync(path);
  assert.equal(stats.size, 0);
  assert.equal(stats.mode & 0o777, 0o600);
  const other = createAutoLog(dir, 'web_0', 'stdout', 'supervisor');
  assert.notEqual(other, path, 'every call makes a new file');
  assert.match(basename(createAutoLog(dir, 'web_0', 'stderr', 'node-7')), /^web_0-stderr---node-7-[a-z0-9_]{8}\.log$/);
});

test('creating an AUTO log in a missing childlogdir throws the errno error', () => {
  assert.throws(() => createAutoLog(join(tmp.path, 'missing'), 'x', 'stdout', 'supervisor'), { code: 'ENOENT' });
});

test('cleanup removes exactly the files supervisord\'s clear_autochildlogdir would remove', () => {
  const dir = freshDir();
  // Expected results checked with supervisord 4.2.5's regex (re.match, identifier "supervisor").
  const names: Record<string, boolean> = {
    'web-stdout---supervisor-abc_1234.log': true,
    'web-stdout---supervisor-abc_1234.log.1': true,
    'web-stderr---supervisor-x.log.10': true,
    'a-b---supervisor-x.logfile': true,
    'web-stdout---other-abc.log': false,
    'web.log': false,
    '---supervisor-x.log': false,
    'x---supervisor-.log': false,
    'x---supervisor- a.log': false,
    'web-stdout---supervisor-abc.txt': false,
    'w---supervisorX-a.log': false,
  };
  for (const name of Object.keys(names)) writeFileSync(join(dir, name), 'x');
  const ours = createAutoLog(dir, 'api', 'stderr', 'supervisor');
  const removed = cleanupAutoLogs(dir, 'supervisor').map((p) => basename(p)).sort();
  const expected = [...Object.keys(names).filter((n) => names[n]), basename(ours)].sort();
  assert.deepEqual(removed, expected);
  assert.deepEqual(readdirSync(dir).sort(), Object.keys(names).filter((n) => !names[n]).sort());
});

test('the identifier is matched literally, not as a pattern', () => {
  const dir = freshDir();
  writeFileSync(join(dir, 'web-stdout---aXb-12345678.log'), '');
  writeFileSync(join(dir, 'web-stdout---a.b-12345678.log'), '');
  assert.deepEqual(cleanupAutoLogs(dir, 'a.b').map((p) => basename(p)), ['web-stdout---a.b-12345678.log']);
});

test('nocleanup keeps every AUTO log', () => {
  const dir = freshDir();
  const path = createAutoLog(dir, 'web', 'stdout', 'supervisor');
  assert.deepEqual(cleanupAutoLogs(dir, 'supervisor', { nocleanup: true }), []);
  assert.deepEqual(readdirSync(dir), [basename(path)]);
});

test('an unreadable childlogdir is a warning with supervisord\'s text, not an error', () => {
  const logger = recordingLogger();
  assert.deepEqual(cleanupAutoLogs(join(tmp.path, 'missing'), 'supervisor', { logger }), []);
  assert.deepEqual(logger.lines, [['warn', 'Could not clear childlog dir']]);
});

test('a matching entry that cannot be removed is a warning naming it', () => {
  const dir = freshDir();
  mkdirSync(join(dir, 'web-stdout---supervisor-dir.log'));
  const logger = recordingLogger();
  assert.deepEqual(cleanupAutoLogs(dir, 'supervisor', { logger }), []);
  assert.deepEqual(logger.lines, [['warn', `Failed to clean up '${join(dir, 'web-stdout---supervisor-dir.log')}'`]]);
});
