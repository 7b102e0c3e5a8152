import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { isFleetError } from '../common/errors.js';
import type { ChannelConfig, LogFileSetting, ProcessConfig } from '../agent/config/types.js';
import type { Logger } from '../agent/logs/logger.js';
import { openProcessLogs, type ProcessLogsOptions } from '../agent/logs/process-logs.js';
import type { ChannelLog } from '../agent/logs/types.js';
import { makeTempDir } from './helpers/temp-dir.js';
import { recordingLogger } from './helpers/recording-logger.js';
import { program } from './helpers/process-config.js';

const tmp = makeTempDir('fleetvisor-logs-process-');
after(() => tmp.remove());

const freshDir = (): string => tmp.fresh();


function channel(logfile: LogFileSetting, maxbytes = 50 * 1024 * 1024, backups = 10): ChannelConfig {
  return { logfile, maxbytes, backups, captureMaxbytes: 0, eventsEnabled: false, syslog: false };
}

const AUTO: LogFileSetting = { kind: 'auto' };
const NONE: LogFileSetting = { kind: 'none' };
const file = (path: string): LogFileSetting => ({ kind: 'file', path });

/** A [program:web] process with supervisord's defaults. */
const processConfig = (overrides: Partial<ProcessConfig> = {}): ProcessConfig => program('web', '/bin/true', overrides);

function options(childlogdir: string, config: ProcessConfig, extra: Partial<ProcessLogsOptions['settings']> = {}, logger: Logger = recordingLogger()): ProcessLogsOptions {
  return { config, settings: { childlogdir, identifier: 'supervisor', stripAnsi: false, loglevel: 'info', ...extra }, logger };
}

/** Writes `parts` through a stream attached to `log`, one chunk each, and waits until all were captured. */
async function feed(log: ChannelLog, parts: Array<string | Buffer>): Promise<void> {
  const stream = new PassThrough();
  log.attach(stream);
  for (const part of parts) stream.write(part);
  stream.end();
  // The log's own listeners were added first, so every chunk is written when 'end' reaches us.
  await once(stream, 'end');
}

test('AUTO logs are created in childlogdir when the logs are opened, named as supervisord names them', async () => {
  const dir = freshDir();
  const logs = openProcessLogs(options(dir, processConfig()));
  assert.match(basename(logs.stdout.path!), /^web-stdout---supervisor-[a-z0-9_]{8}\.log$/);
  assert.match(basename(logs.stderr!.path!), /^web-stderr---supervisor-[a-z0-9_]{8}\.log$/);
  assert.deepEqual(readdirSync(dir).sort(), [basename(logs.stdout.path!), basename(logs.stderr!.path!)].sort(), 'both exist before any output');
  await logs.close();
});

test('redirect_stderr means no stderr log and no stderr file', async () => {
  const dir = freshDir();
  const logs = openProcessLogs(options(dir, processConfig({ redirectStderr: true })));
  assert.equal(logs.stderr, null);
  assert.deepEqual(readdirSync(dir), [basename(logs.stdout.path!)]);
  await logs.close();
});

test('NONE opens no file for that channel', async () => {
  const dir = freshDir();
  const logs = openProcessLogs(options(dir, processConfig({ stdout: channel(NONE), stderr: channel(AUTO) })));
  assert.equal(logs.stdout.path, null);
  assert.equal(readdirSync(dir).length, 1);
  await feed(logs.stdout, ['into nothing']);
  assert.equal(readdirSync(dir).length, 1);
  await logs.close();
});

test('each channel rotates by its own maxbytes and backups', async () => {
  const dir = freshDir();
  const out = join(dir, 'out.log');
  const err = join(dir, 'err.log');
  const logs = openProcessLogs(options(dir, processConfig({ stdout: channel(file(out), 10, 1), stderr: channel(file(err), 0, 5) })));
  await feed(logs.stdout, ['0123456789', 'abc']);
  await feed(logs.stderr!, ['0123456789', 'abc']);
  assert.equal(readFileSync(`${out}.1`, 'latin1'), '0123456789');
  assert.equal(readFileSync(out, 'latin1'), 'abc');
  assert.equal(readFileSync(err, 'latin1'), '0123456789abc');
  assert.equal(existsSync(`${err}.1`), false);
  await logs.close();
});

test('strip_ansi from [supervisord] applies to both channels', async () => {
  const dir = freshDir();
  const logs = openProcessLogs(options(dir, processConfig(), { stripAnsi: true }));
  await feed(logs.stdout, ['\x1b[32mgreen\x1b[0m\n']);
  await feed(logs.stderr!, ['\x1b[1mbold\x1b[0m\n']);
  assert.equal(readFileSync(logs.stdout.path!, 'latin1'), 'green\n');
  assert.equal(readFileSync(logs.stderr!.path!, 'latin1'), 'bold\n');
  await logs.close();
});

test('a log file in a missing directory is a CONFIG_INVALID error that names the path', () => {
  const dir = freshDir();
  const path = join(dir, 'nope', 'web.log');
  assert.throws(
    () => openProcessLogs(options(dir, processConfig({ stdout: channel(file(path)) }))),
    (err: unknown) => isFleetError(err, 'CONFIG_INVALID') && err.message === `stdout_logfile of web: cannot open ${path}: the directory ${join(dir, 'nope')} does not exist`,
  );
});

test('AUTO logs in a missing childlogdir are an error that names childlogdir', () => {
  const missing = join(tmp.path, 'no-childlogdir');
  assert.throws(
    () => openProcessLogs(options(missing, processConfig())),
    (err: unknown) => isFleetError(err, 'CONFIG_INVALID') && err.message.includes(missing) && err.message.includes('does not exist'),
  );
});

test('a log directory that cannot be written is an error that names the path', { skip: process.getuid?.() === 0 ? 'root can write anywhere' : false }, () => {
  const dir = freshDir();
  const locked = join(dir, 'locked');
  mkdirSync(locked);
  chmodSync(locked, 0o500);
  const path = join(locked, 'web.log');
  assert.throws(
    () => openProcessLogs(options(dir, processConfig({ stdout: channel(file(path)) }))),
    (err: unknown) => isFleetError(err, 'CONFIG_INVALID') && err.message.includes(path) && err.message.includes('permission denied'),
  );
});

test('a path through a regular file is an error that names the path', () => {
  const dir = freshDir();
  const logs = openProcessLogs(options(dir, processConfig({ stderr: channel(NONE) })));
  const path = join(logs.stdout.path!, 'web.log');
  assert.throws(
    () => openProcessLogs(options(dir, processConfig({ stdout: channel(file(path)) }))),
    (err: unknown) => isFleetError(err, 'CONFIG_INVALID') && err.message.includes(path) && err.message.includes('not a directory'),
  );
  void logs.close();
});

test('a failure on stderr leaves no stdout AUTO file behind', () => {
  const dir = freshDir();
  assert.throws(() => openProcessLogs(options(dir, processConfig({ stderr: channel(file(join(dir, 'nope', 'err.log'))) }))), /does not exist/);
  assert.deepEqual(readdirSync(dir), []);
});

test('at loglevel debug every chunk is copied into the activity log as supervisord does', async () => {
  const dir = freshDir();
  const logger = recordingLogger();
  const logs = openProcessLogs(options(dir, processConfig(), { loglevel: 'debug' }, logger));
  await feed(logs.stdout, [Buffer.from([0xff, 0x68, 0x69, 0x0a])]);
  await feed(logs.stderr!, ['café\n']);
  assert.deepEqual(logger.lines, [
    ['debug', "'web' stdout output:\nUndecodable: b'\\xffhi\\n'"],
    ['debug', "'web' stderr output:\ncafé\n"],
  ]);
  assert.deepEqual(readFileSync(logs.stdout.path!), Buffer.from([0xff, 0x68, 0x69, 0x0a]), 'the file still gets the raw bytes');
  await logs.close();
});

test('at loglevel info child output stays out of the activity log', async () => {
  const dir = freshDir();
  const logger = recordingLogger();
  const logs = openProcessLogs(options(dir, processConfig(), { loglevel: 'info' }, logger));
  await feed(logs.stdout, ['quiet\n']);
  assert.deepEqual(logger.lines, []);
  await logs.close();
});

test('reopen() reopens both channels after an external move', async () => {
  const dir = freshDir();
  const out = join(dir, 'out.log');
  const err = join(dir, 'err.log');
  const logs = openProcessLogs(options(dir, processConfig({ stdout: channel(file(out)), stderr: channel(file(err)) })));
  renameSync(out, `${out}.old`);
  renameSync(err, `${err}.old`);
  logs.reopen();
  await feed(logs.stdout, ['new out']);
  await feed(logs.stderr!, ['new err']);
  assert.equal(readFileSync(out, 'latin1'), 'new out');
  assert.equal(readFileSync(err, 'latin1'), 'new err');
  await logs.close();
});

test('a failed reopen names the path, and the other channel is still reopened', async () => {
  const dir = freshDir();
  const sub = join(dir, 'sub');
  mkdirSync(sub);
  const out = join(sub, 'out.log');
  const err = join(dir, 'err.log');
  const logs = openProcessLogs(options(dir, processConfig({ stdout: channel(file(out)), stderr: channel(file(err)) })));
  renameSync(sub, join(dir, 'gone'));
  renameSync(err, `${err}.old`);
  assert.throws(() => logs.reopen(), (e: unknown) => isFleetError(e, 'CONFIG_INVALID') && e.message.includes(out));
  assert.equal(existsSync(err), true, 'stderr was reopened anyway');
  await logs.close();
});

test('close() is idempotent', async () => {
  const dir = freshDir();
  const logs = openProcessLogs(options(dir, processConfig()));
  await logs.close();
  await logs.close();
  assert.throws(() => logs.stdout.attach(new PassThrough()), /closed/);
});
