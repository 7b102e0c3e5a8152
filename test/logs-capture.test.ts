import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createChannelLog } from '../agent/logs/channel-log.js';
import type { Logger } from '../agent/logs/logger.js';
import { RotatingFile } from '../agent/logs/rotating-file.js';
import type { ChannelLog } from '../agent/logs/types.js';
import { makeTempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const tmp = makeTempDir('fleetvisor-logs-capture-');
after(() => tmp.remove());

const TOTAL = 48 << 20;
const MAX_BYTES = 1 << 20;
const BACKUPS = 3;
/** The largest read either attach path makes (the fd path's shared buffer). */
const MAX_READ = 128 << 10;

/**
 * Word k of the stream (little-endian 32-bit), a hash of k: any gap, duplicate or reorder shows,
 * and the test can compute any part of the stream without the rest. The same source runs in the
 * child, so it must stay plain JavaScript.
 */
const WORD_SOURCE = `function word(k) {
  let x = Math.imul(k ^ 0x9e3779b9, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}`;
const word = new Function(`${WORD_SOURCE}; return word;`)() as (k: number) => number;

/** A child writing TOTAL bytes of the stream in 64 KiB writes, as fast as it can. */
function spawnWriter(stdout: 'pipe' | number) {
  const script = `${WORD_SOURCE}
    const fs = require('fs');
    const total = ${TOTAL};
    const block = Buffer.alloc(65536);
    for (let off = 0; off < total; off += block.length) {
      const n = Math.min(block.length, total - off);
      for (let i = 0; i < n; i += 4) block.writeUInt32LE(word((off + i) / 4), i);
      let done = 0;
      while (done < n) done += fs.writeSync(1, block, done, n - done);
    }`;
  return spawn(process.execPath, ['-e', script], { stdio: ['ignore', stdout, 'inherit'] });
}

function streamBytes(from: number, to: number): Buffer {
  const first = Math.floor(from / 4);
  const words = Buffer.alloc((Math.ceil(to / 4) - first) * 4);
  for (let i = 0; i < words.length; i += 4) words.writeUInt32LE(word(first + i / 4), i);
  return words.subarray(from - first * 4, from - first * 4 + (to - from));
}

const silentLogger: Logger = {
  log: () => {},
  critical: () => {},
  error: (message) => assert.fail(`unexpected error: ${message}`),
  warn: () => {},
  info: () => {},
  debug: () => {},
  trace: () => {},
  blather: () => {},
};

interface CapturedLog {
  log: ChannelLog;
  path: string;
  /** Bytes on disk over the whole run, from the kernel's file sizes (not from the log's own count). */
  bytesOnDisk(): number;
}

/**
 * Opens a rotating log and counts what reaches the disk independently of the log's own offsets:
 * listeners run right after each write and its rotation, so an empty base file after a write
 * means a rotation just happened, and `.1` then holds that file with its final size.
 */
function openRotatingLog(dir: string): CapturedLog {
  const path = join(dir, 'out.log');
  const file = new RotatingFile(path, { maxBytes: MAX_BYTES, backups: BACKUPS });
  const log = createChannelLog({ channel: 'stdout', file, stripAnsi: false, logger: silentLogger });
  let rotated = 0;
  log.onChunk(() => {
    if (statSync(path).size === 0) rotated += statSync(`${path}.1`).size;
  });
  return { log, path, bytesOnDisk: () => rotated + statSync(path).size };
}

/** The retained files, oldest first, must be exactly the tail of the stream, split where rotation says. */
function assertRetainedTail({ log, path, bytesOnDisk }: CapturedLog): void {
  assert.equal(bytesOnDisk(), TOTAL, 'every byte reached the disk, none twice');
  assert.equal(log.fileStart + statSync(path).size, TOTAL, 'the stream offsets agree');
  const files = [];
  for (let i = BACKUPS; i >= 1; i--) files.push(`${path}.${i}`);
  files.push(path);
  const contents = files.map((f) => {
    assert.ok(existsSync(f), `${f} exists`);
    return readFileSync(f);
  });
  for (const [i, content] of contents.slice(0, -1).entries()) {
    // Rotation happens after the write that reaches maxBytes: never before, never later.
    assert.ok(content.length >= MAX_BYTES && content.length < MAX_BYTES + MAX_READ, `${files[i]} holds ${content.length} bytes`);
  }
  const retained = Buffer.concat(contents);
  assert.ok(retained.equals(streamBytes(TOTAL - retained.length, TOTAL)), 'the retained files are the tail of the stream, byte for byte');
  assert.notEqual(log.captureTime(TOTAL - 1), null, 'the last byte has a capture time');
}

test('a child writing as fast as it can through a Readable loses no byte, with rotation on', async () => {
  const dir = join(tmp.path, 'readable');
  mkdirSync(dir);
  const captured = openRotatingLog(dir);
  const child = spawnWriter('pipe');
  captured.log.attach(child.stdout!);
  await once(child.stdout!, 'end');
  assertRetainedTail(captured);
  await captured.log.close();
});

test('a child writing as fast as it can into a pipe attached by fd loses no byte, with rotation on', async () => {
  const dir = join(tmp.path, 'fd');
  mkdirSync(dir);
  const captured = openRotatingLog(dir);
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  captured.log.attach(openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK));
  const writer = openSync(fifo, 'w');
  const child = spawnWriter(writer);
  closeSync(writer);
  await once(child, 'exit');
  await waitFor(() => captured.log.captureTime(TOTAL - 1) !== null, { what: 'the last byte captured' });
  assertRetainedTail(captured);
  await captured.log.close();
});
