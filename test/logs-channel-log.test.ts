import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, constants, existsSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createChannelLog } from '../agent/logs/channel-log.js';
import type { Logger } from '../agent/logs/logger.js';
import { RotatingFile } from '../agent/logs/rotating-file.js';
import type { CapturedChunk, ChannelLog } from '../agent/logs/types.js';
import { makeTempDir } from './helpers/temp-dir.js';
import { recordingLogger } from './helpers/recording-logger.js';
import { waitFor } from './helpers/wait-for.js';

const tmp = makeTempDir('fleetvisor-logs-channel-');
after(() => tmp.remove());

const freshDir = (): string => tmp.fresh();


/** A child that writes each hex-encoded part to stdout, pausing `gapMs` between parts. */
function childWriting(parts: Buffer[], stdout: 'pipe' | number, gapMs = 0) {
  const script = `
    const fs = require('fs');
    const parts = process.argv.slice(1).map((h) => Buffer.from(h, 'hex'));
    (async () => {
      for (const part of parts) {
        let n = 0; while (n < part.length) n += fs.writeSync(1, part, n, part.length - n);
        await new Promise((r) => setTimeout(r, ${gapMs}));
      }
    })();`;
  return spawn(process.execPath, ['-e', script, ...parts.map((p) => p.toString('hex'))], { stdio: ['ignore', stdout, 'inherit'] });
}

/** A FIFO whose read end is open (non-blocking, as a pipe for attach(fd)); openWriter() gives a blocking write end. */
function makeFifo(dir: string): { path: string; readFd: number; openWriter(): number } {
  const path = join(dir, 'fifo');
  execFileSync('mkfifo', [path]);
  const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  return { path, readFd, openWriter: () => openSync(path, 'w') };
}

/** Whether descriptor `fd` of this process still refers to `path`. */
function fdOpenOn(fd: number, path: string): boolean {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`) === path;
  } catch {
    return false;
  }
}

function openLog(path: string | null, options: { maxBytes?: number; backups?: number; stripAnsi?: boolean; clock?: () => number; logger?: Logger } = {}): ChannelLog {
  const file = path === null ? null : new RotatingFile(path, { maxBytes: options.maxBytes ?? 0, backups: options.backups ?? 0 });
  return createChannelLog({ channel: 'stdout', file, stripAnsi: options.stripAnsi ?? false, logger: options.logger ?? recordingLogger(), clock: options.clock });
}

// Invalid UTF-8 (a lone continuation byte, 0xff, a truncated 3-byte sequence), NUL, CR and ANSI codes.
const BAD_INPUT = Buffer.concat([
  Buffer.from('ok \x1b[1;31mred\x1b[0m ', 'latin1'),
  Buffer.from([0x80, 0xff, 0xfe, 0x00, 0x0d, 0xe2, 0x82]),
  Buffer.from(' \x1b]0;title\x07 \x1b[2K\x1b[10;5H end\n', 'latin1'),
]);
const BAD_INPUT_STRIPPED = Buffer.concat([
  Buffer.from('ok red ', 'latin1'),
  Buffer.from([0x80, 0xff, 0xfe, 0x00, 0x0d, 0xe2, 0x82]),
  Buffer.from(' \x1b]0;title\x07  end\n', 'latin1'),
]);

test('a child\'s bad output reaches the file byte for byte: invalid UTF-8, NUL, CR and ANSI codes', async () => {
  const path = join(freshDir(), 'out.log');
  const log = openLog(path);
  const child = childWriting([BAD_INPUT], 'pipe');
  log.attach(child.stdout!);
  await once(child.stdout!, 'end');
  assert.deepEqual(readFileSync(path), BAD_INPUT);
  await log.close();
});

test('with strip_ansi only the ESC[ sequences are removed from bad output', async () => {
  const path = join(freshDir(), 'out.log');
  const log = openLog(path, { stripAnsi: true });
  const child = childWriting([BAD_INPUT], 'pipe');
  log.attach(child.stdout!);
  await once(child.stdout!, 'end');
  assert.deepEqual(readFileSync(path), BAD_INPUT_STRIPPED);
  await log.close();
});

test('a pipe attached by fd captures the same bytes, and closes the fd at EOF', async () => {
  const dir = freshDir();
  const path = join(dir, 'out.log');
  const log = openLog(path, { stripAnsi: true });
  const fifo = makeFifo(dir);
  const writer = fifo.openWriter();
  log.attach(fifo.readFd);
  const child = childWriting([BAD_INPUT, BAD_INPUT], writer);
  closeSync(writer);
  await once(child, 'exit');
  const expected = Buffer.concat([BAD_INPUT_STRIPPED, BAD_INPUT_STRIPPED]);
  await waitFor(() => readFileSync(path).length === expected.length, { what: 'both parts in the file' });
  assert.deepEqual(readFileSync(path), expected);
  await waitFor(() => !fdOpenOn(fifo.readFd, fifo.path), { what: 'the read end closed' });
  await log.close();
});

test('an escape sequence split across reads is removed', async () => {
  const path = join(freshDir(), 'out.log');
  const log = openLog(path, { stripAnsi: true });
  const reads: string[] = [];
  log.onChunk((chunk) => reads.push(chunk.data.toString('latin1')));
  const stream = new PassThrough();
  log.attach(stream);
  for (const part of ['before \x1b[3', '1mred\x1b', '[0m after']) {
    const expected = reads.length + 1;
    stream.write(Buffer.from(part, 'latin1'));
    await waitFor(() => reads.length === expected);
  }
  assert.equal(readFileSync(path, 'latin1'), 'before red after');
  assert.deepEqual(reads, ['before ', 'red', ' after']);
  await log.close();
});

test('NONE writes no file but still drains the pipe and feeds listeners', async () => {
  const dir = freshDir();
  const log = openLog(null);
  assert.equal(log.path, null);
  let received = 0;
  log.onChunk((chunk) => (received += chunk.data.length));
  // Far more than a pipe holds: the child only exits if we keep reading.
  const child = spawn('head', ['-c', String(4 << 20), '/dev/zero'], { stdio: ['ignore', 'pipe', 'inherit'] });
  log.attach(child.stdout!);
  await once(child.stdout!, 'end');
  assert.equal(received, 4 << 20);
  assert.deepEqual(readdirSync(dir), []);
  log.clear();
  log.reopen();
  await log.close();
});

test('listeners get each chunk with its channel, capture time and stream offset, and can unsubscribe', async () => {
  const path = join(freshDir(), 'out.log');
  writeFileSync(path, 'old\n');
  let now = 1_000;
  const log = openLog(path, { clock: () => now });
  const chunks: CapturedChunk[] = [];
  const unsubscribe = log.onChunk((chunk) => chunks.push(chunk));
  const stream = new PassThrough();
  log.attach(stream);
  stream.write('first ');
  await waitFor(() => chunks.length === 1);
  now = 2_000;
  stream.write('second');
  await waitFor(() => chunks.length === 2);
  unsubscribe();
  stream.write('!');
  await waitFor(() => readFileSync(path, 'latin1').endsWith('!'));
  assert.deepEqual(
    chunks.map((c) => ({ channel: c.channel, data: c.data.toString(), time: c.time, offset: c.offset })),
    [
      { channel: 'stdout', data: 'first ', time: 1_000, offset: 4 },
      { channel: 'stdout', data: 'second', time: 2_000, offset: 10 },
    ],
    'offsets count on from the 4 bytes already in the file',
  );
  assert.equal(chunks.length, 2);
  await log.close();
});

test('capture times follow the bytes through rotation, and fileStart maps the current file', async () => {
  const dir = freshDir();
  const path = join(dir, 'out.log');
  let now = 10;
  const log = openLog(path, { maxBytes: 10, backups: 2, clock: () => now });
  let captured = 0;
  log.onChunk((chunk) => (captured += chunk.data.length));
  const stream = new PassThrough();
  log.attach(stream);
  for (const word of ['aaaa', 'bbbb', 'cccc', 'dddd']) {
    now += 10;
    const expected = captured + word.length;
    stream.write(word);
    await waitFor(() => captured === expected);
  }
  // 12 bytes rolled over into .1; the current file holds 'dddd' from stream offset 12.
  assert.equal(readFileSync(`${path}.1`, 'latin1'), 'aaaabbbbcccc');
  assert.equal(log.fileStart, 12);
  assert.equal(readFileSync(path, 'latin1'), 'dddd');
  assert.deepEqual([0, 3, 4, 11, 12, 15].map((offset) => log.captureTime(offset)), [20, 20, 30, 40, 50, 50]);
  assert.equal(log.captureTime(16), null, 'not captured yet');

  renameSync(path, `${path}.moved`);
  log.reopen();
  assert.equal(log.fileStart, 16, 'a reopened empty file starts where the stream is');
  stream.write('ee');
  await waitFor(() => readFileSync(path, 'latin1') === 'ee');
  log.clear();
  assert.equal(log.fileStart, 18);
  assert.equal(readFileSync(`${path}.1`, 'latin1'), 'aaaabbbbcccc', 'clear keeps the backups');
  assert.equal(readFileSync(path, 'latin1'), '');
  await log.close();
});

test('a listener that throws is reported and capture goes on', async () => {
  const path = join(freshDir(), 'out.log');
  const logger = recordingLogger();
  const log = openLog(path, { logger });
  log.onChunk(() => {
    throw new Error('listener bug');
  });
  const stream = new PassThrough();
  log.attach(stream);
  stream.end('still written');
  await waitFor(() => readFileSync(path, 'latin1') === 'still written');
  assert.deepEqual(logger.lines, [['error', 'stdout log listener failed: listener bug']]);
  await log.close();
});

test('a failing file is reported once per outage and the pipe keeps draining', async () => {
  const logger = recordingLogger();
  // /dev/full refuses every write with ENOSPC.
  const log = openLog('/dev/full', { logger });
  let received = 0;
  log.onChunk((chunk) => (received += chunk.data.length));
  const child = childWriting([Buffer.from('one'), Buffer.from('two')], 'pipe', 30);
  log.attach(child.stdout!);
  await once(child.stdout!, 'end');
  assert.equal(received, 6);
  assert.equal(logger.lines.length, 1);
  assert.match(logger.lines[0]![1], /^could not write to \/dev\/full: .*ENOSPC/);
  await log.close();
});

test('attach() refuses a stream that decodes text', () => {
  const log = openLog(null);
  const stream = new PassThrough();
  stream.setEncoding('utf8');
  assert.throws(() => log.attach(stream), /byte stream/);
});

test('close() is idempotent, detaches pipes and refuses later attaches', async () => {
  const dir = freshDir();
  const path = join(dir, 'out.log');
  const log = openLog(path);
  const stream = new PassThrough();
  log.attach(stream);
  stream.write('kept');
  await waitFor(() => readFileSync(path, 'latin1') === 'kept');
  await log.close();
  await log.close();
  stream.write('after close');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(readFileSync(path, 'latin1'), 'kept');
  assert.throws(() => log.attach(new PassThrough()), /closed/);
  log.clear();
  log.reopen();
});
