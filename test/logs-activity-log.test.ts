import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { isFleetError } from '../common/errors.js';
import { openActivityLog, type ActivityLogSettings } from '../agent/logs/activity-log.js';
import { makeTempDir } from './helpers/temp-dir.js';

// Lines are in local time: pin a zone with a half-hour offset so a UTC slip shows.
process.env.TZ = 'Asia/Kolkata';

const tmp = makeTempDir('fleetvisor-logs-activity-');
after(() => tmp.remove());

const freshDir = (): string => tmp.fresh();

/** 2026-11-22 04:32:34.007 UTC, 10:02:34.007 in Kolkata. */
const T0 = Date.UTC(2026, 10, 22, 4, 32, 34, 7);

function sink(): { text: string; write(text: string): void } {
  return {
    text: '',
    write(text: string) {
      this.text += text;
    },
  };
}

function settings(logfile: string, overrides: Partial<ActivityLogSettings> = {}): ActivityLogSettings {
  return { logfile, logfileMaxbytes: 50 * 1024 * 1024, logfileBackups: 10, loglevel: 'info', nodaemon: false, silent: false, ...overrides };
}

test('a line is "YYYY-MM-DD HH:MM:SS,mmm LEVL message" in local time', () => {
  const path = join(freshDir(), 'supervisord.log');
  using log = openActivityLog(settings(path), { clock: () => T0 });
  log.info("spawned: 'web' with pid 42");
  assert.equal(readFileSync(path, 'utf8'), "2026-11-22 10:02:34,007 INFO spawned: 'web' with pid 42\n");
});

test('every level has its four-letter name', () => {
  const path = join(freshDir(), 'supervisord.log');
  using log = openActivityLog(settings(path, { loglevel: 'blather' }), { clock: () => T0 });
  log.critical('c');
  log.error('e');
  log.warn('w');
  log.info('i');
  log.debug('d');
  log.trace('t');
  log.blather('b');
  const names = readFileSync(path, 'utf8').trimEnd().split('\n').map((line) => line.split(' ').slice(2).join(' '));
  assert.deepEqual(names, ['CRIT c', 'ERRO e', 'WARN w', 'INFO i', 'DEBG d', 'TRAC t', 'BLAT b']);
});

test('messages below loglevel are dropped', () => {
  const path = join(freshDir(), 'supervisord.log');
  using log = openActivityLog(settings(path, { loglevel: 'warn' }), { clock: () => T0 });
  log.info('dropped');
  log.debug('dropped');
  log.log('blather', 'dropped');
  log.warn('kept');
  log.log('error', 'kept too');
  log.critical('and this');
  assert.equal(readFileSync(path, 'utf8'), ['WARN kept', 'ERRO kept too', 'CRIT and this'].map((m) => `2026-11-22 10:02:34,007 ${m}\n`).join(''));
  assert.equal(log.isEnabledFor('info'), false);
  assert.equal(log.isEnabledFor('error'), true);
});

test('a multi-line message is written as is, with one newline at the end', () => {
  const path = join(freshDir(), 'supervisord.log');
  using log = openActivityLog(settings(path, { loglevel: 'debug' }), { clock: () => T0 });
  log.debug("'web' stdout output:\nline 1\nline 2\n");
  assert.equal(readFileSync(path, 'utf8'), "2026-11-22 10:02:34,007 DEBG 'web' stdout output:\nline 1\nline 2\n\n");
});

test('milliseconds are zero-padded and the seconds are not rounded up', () => {
  const path = join(freshDir(), 'supervisord.log');
  let now = T0 - 7 + 999;
  using log = openActivityLog(settings(path), { clock: () => now });
  log.info('a');
  now = T0 - 7 + 40;
  log.info('b');
  assert.equal(readFileSync(path, 'utf8'), '2026-11-22 10:02:34,999 INFO a\n2026-11-22 10:02:34,040 INFO b\n');
});

test('lines are echoed to stdout with nodaemon, unless silent', () => {
  const dir = freshDir();
  const cases: Array<[Partial<ActivityLogSettings>, boolean]> = [
    [{ nodaemon: true, silent: false }, true],
    [{ nodaemon: true, silent: true }, false],
    [{ nodaemon: false, silent: false }, false],
  ];
  for (const [index, [overrides, echoed]] of cases.entries()) {
    const path = join(dir, `${index}.log`);
    const stdout = sink();
    using log = openActivityLog(settings(path, overrides), { clock: () => T0, stdout });
    log.info('hello');
    log.debug('below the level: not echoed either');
    assert.equal(stdout.text, echoed ? readFileSync(path, 'utf8') : '', JSON.stringify(overrides));
    assert.equal(readFileSync(path, 'utf8'), '2026-11-22 10:02:34,007 INFO hello\n');
  }
});

test('the activity log rotates by logfile_maxbytes and logfile_backups', () => {
  const path = join(freshDir(), 'supervisord.log');
  using log = openActivityLog(settings(path, { logfileMaxbytes: 100, logfileBackups: 2 }), { clock: () => T0 });
  // Each line is 24 + 1 + 4 + 1 + 20 + 1 = 51 bytes: the second line reaches 100.
  for (let i = 0; i < 5; i++) log.info(`message number ${i}....`);
  assert.equal(readFileSync(`${path}.2`, 'utf8').split('\n').length - 1, 2);
  assert.equal(readFileSync(`${path}.1`, 'utf8').split('\n').length - 1, 2);
  assert.match(readFileSync(path, 'utf8'), /^\S+ \S+ INFO message number 4\.\.\.\.\n$/);
});

test('logfile=syslog is refused with a clear error', () => {
  assert.throws(
    () => openActivityLog(settings('syslog')),
    (err: unknown) => isFleetError(err, 'CONFIG_INVALID') && /logfile=syslog is not supported/.test(err.message),
  );
});

test('a missing log directory is an error that names the path', () => {
  const path = join(tmp.path, 'missing', 'supervisord.log');
  assert.throws(() => openActivityLog(settings(path)), (err: unknown) => isFleetError(err, 'CONFIG_INVALID') && err.message.includes(path) && err.message.includes('does not exist'));
});

test('reopen() after an external move writes to a new file at the same path', () => {
  const path = join(freshDir(), 'supervisord.log');
  using log = openActivityLog(settings(path), { clock: () => T0 });
  log.info('before');
  renameSync(path, `${path}.old`);
  log.reopen();
  log.info('after');
  assert.equal(readFileSync(`${path}.old`, 'utf8'), '2026-11-22 10:02:34,007 INFO before\n');
  assert.equal(readFileSync(path, 'utf8'), '2026-11-22 10:02:34,007 INFO after\n');
});

test('a file that refuses writes is reported on stderr once per outage', () => {
  const stderr = sink();
  // /dev/full refuses every write with ENOSPC.
  using log = openActivityLog(settings('/dev/full', { logfileMaxbytes: 0 }), { stderr });
  log.info('one');
  log.info('two');
  assert.equal(stderr.text.split('\n').length - 1, 1);
  assert.match(stderr.text, /could not write to \/dev\/full: .*ENOSPC/);
});

test('close() is idempotent and later messages are dropped', () => {
  const path = join(freshDir(), 'supervisord.log');
  const log = openActivityLog(settings(path), { clock: () => T0 });
  log.info('last');
  log.close();
  log.close();
  log.info('dropped');
  assert.equal(readFileSync(path, 'utf8'), '2026-11-22 10:02:34,007 INFO last\n');
  assert.equal(existsSync(`${path}.1`), false);
});
