import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RotatingFile } from '../agent/logs/rotating-file.js';
import { makeTempDir } from './helpers/temp-dir.js';

const tmp = makeTempDir('fleetvisor-logs-rotating-');
after(() => tmp.remove());

/** A fresh directory per test, so file names can stay short. */
const freshDir = (): string => tmp.fresh();

function read(path: string): string {
  return readFileSync(path, 'latin1');
}

function sizes(base: string, backups: number): number[] {
  const result = [statSync(base).size];
  for (let i = 1; i <= backups; i++) result.push(existsSync(`${base}.${i}`) ? statSync(`${base}.${i}`).size : -1);
  return result;
}

test('seven 4-byte writes with maxBytes=10, backups=2 leave 4, 12 and 12 bytes (upstream rotation case)', () => {
  const path = join(freshDir(), 'x.log');
  using file = new RotatingFile(path, { maxBytes: 10, backups: 2 });
  for (const word of ['aaaa', 'bbbb', 'cccc', 'dddd', 'eeee', 'ffff', 'gggg']) file.write(Buffer.from(word));
  assert.deepEqual(sizes(path, 2), [4, 12, 12]);
  // Rollover happened at 12 and 24 bytes: the oldest copy holds the first three writes.
  assert.equal(read(`${path}.2`), 'aaaabbbbcccc');
  assert.equal(read(`${path}.1`), 'ddddeeeeffff');
  assert.equal(read(path), 'gggg');
});

test('a file rotates when a write brings it exactly to maxBytes', () => {
  const path = join(freshDir(), 'x.log');
  using file = new RotatingFile(path, { maxBytes: 10, backups: 1 });
  file.write(Buffer.from('123456789'));
  assert.equal(existsSync(`${path}.1`), false, 'one byte short of maxBytes: no rotation');
  file.write(Buffer.from('0'));
  assert.equal(read(`${path}.1`), '1234567890');
  assert.equal(read(path), '');
  assert.equal(file.size, 0);
});

test('a single write larger than maxBytes is kept whole in the rotated file', () => {
  const path = join(freshDir(), 'x.log');
  using file = new RotatingFile(path, { maxBytes: 10, backups: 1 });
  file.write(Buffer.from('abc'));
  file.write(Buffer.alloc(2960, 'z'));
  assert.equal(statSync(`${path}.1`).size, 2963, 'a file may exceed maxBytes by its last write');
  assert.equal(statSync(path).size, 0);
});

test('rotation drops the oldest copy beyond backups and leaves files beyond the limit alone', () => {
  const path = join(freshDir(), 'x.log');
  writeFileSync(`${path}.5`, 'left over from a config with more backups');
  using file = new RotatingFile(path, { maxBytes: 2, backups: 3 });
  for (const word of ['11', '22', '33', '44', '55']) file.write(Buffer.from(word));
  assert.equal(read(`${path}.1`), '55');
  assert.equal(read(`${path}.2`), '44');
  assert.equal(read(`${path}.3`), '33');
  assert.equal(existsSync(`${path}.4`), false);
  assert.equal(read(`${path}.5`), 'left over from a config with more backups');
});

test('backups=0 truncates the file in place instead of rotating', () => {
  const path = join(freshDir(), 'x.log');
  using file = new RotatingFile(path, { maxBytes: 10, backups: 0 });
  file.write(Buffer.from('0123456789AB'));
  assert.equal(read(path), '');
  file.write(Buffer.from('next'));
  assert.equal(read(path), 'next');
  assert.equal(existsSync(`${path}.1`), false);
});

test('maxBytes=0 never rotates', () => {
  const path = join(freshDir(), 'x.log');
  using file = new RotatingFile(path, { maxBytes: 0, backups: 3 });
  for (let i = 0; i < 100; i++) file.write(Buffer.alloc(1000, 'x'));
  assert.equal(statSync(path).size, 100_000);
  assert.equal(existsSync(`${path}.1`), false);
});

test('an existing file is appended to, and its size counts towards maxBytes', () => {
  const path = join(freshDir(), 'x.log');
  writeFileSync(path, 'previous run\n');
  using file = new RotatingFile(path, { maxBytes: 16, backups: 1 });
  assert.equal(file.size, 13);
  file.write(Buffer.from('new\n'));
  assert.equal(read(`${path}.1`), 'previous run\nnew\n');
});

test('maxBytes=0 works on a non-seekable target (a FIFO with a reader)', () => {
  const dir = freshDir();
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    using file = new RotatingFile(fifo, { maxBytes: 0, backups: 3 });
    file.write(Buffer.from('through '));
    file.write(Buffer.from('a pipe'));
    const buffer = Buffer.alloc(64);
    const n = readSync(reader, buffer);
    assert.equal(buffer.toString('latin1', 0, n), 'through a pipe');
  } finally {
    closeSync(reader);
  }
});

test('a pipe is never rotated, even when maxBytes is set', () => {
  const dir = freshDir();
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    using file = new RotatingFile(fifo, { maxBytes: 4, backups: 2 });
    file.write(Buffer.from('0123456789'));
    assert.equal(statSync(fifo).isFIFO(), true, 'the FIFO was not renamed away');
    assert.equal(existsSync(`${fifo}.1`), false);
    assert.equal(readSync(reader, Buffer.alloc(64)), 10);
  } finally {
    closeSync(reader);
  }
});

test('rotation still works after someone deleted the active file', () => {
  const path = join(freshDir(), 'x.log');
  using file = new RotatingFile(path, { maxBytes: 10, backups: 2 });
  file.write(Buffer.from('lost..'));
  unlinkSync(path);
  file.write(Buffer.from('gone..'));
  assert.equal(existsSync(path), true, 'a new active file was opened');
  assert.equal(existsSync(`${path}.1`), false, 'the deleted file had nothing to rename');
  file.write(Buffer.from('kept'));
  assert.equal(read(path), 'kept');
});

test('reopen() after an external move starts a new file at the same path (logrotate style)', () => {
  const path = join(freshDir(), 'x.log');
  using file = new RotatingFile(path, { maxBytes: 100, backups: 1 });
  file.write(Buffer.from('before '));
  renameSync(path, `${path}.rotated`);
  file.write(Buffer.from('moved'));
  file.reopen();
  file.write(Buffer.from('after'));
  assert.equal(read(`${path}.rotated`), 'before moved');
  assert.equal(read(path), 'after');
  assert.equal(file.size, 5);
});

test('reopen() without a move keeps appending to the same file and keeps its size', () => {
  const path = join(freshDir(), 'x.log');
  using file = new RotatingFile(path, { maxBytes: 10, backups: 1 });
  file.write(Buffer.from('12345'));
  file.reopen();
  assert.equal(file.size, 5);
  file.write(Buffer.from('67890'));
  assert.equal(read(`${path}.1`), '1234567890');
});

test('a failed reopen() throws and leaves the current file in use', () => {
  const dir = freshDir();
  const sub = join(dir, 'sub');
  mkdirSync(sub);
  const path = join(sub, 'x.log');
  using file = new RotatingFile(path, { maxBytes: 0, backups: 0 });
  file.write(Buffer.from('one '));
  renameSync(sub, join(dir, 'elsewhere'));
  assert.throws(() => file.reopen(), { code: 'ENOENT' });
  file.write(Buffer.from('two'));
  assert.equal(read(join(dir, 'elsewhere', 'x.log')), 'one two');
});

test('a file truncated behind the writer is not rotated early', () => {
  // This guards against trusting the tracked size over the kernel's (copytruncate-style logrotate).
  const path = join(freshDir(), 'x.log');
  using file = new RotatingFile(path, { maxBytes: 10, backups: 1 });
  file.write(Buffer.from('12345678'));
  truncateSync(path, 0);
  file.write(Buffer.from('abcd'));
  assert.equal(existsSync(`${path}.1`), false);
  assert.equal(read(path), 'abcd');
  assert.equal(file.size, 4);
});

test('clear() empties the file and keeps its backups, as supervisord does', () => {
  const path = join(freshDir(), 'x.log');
  using file = new RotatingFile(path, { maxBytes: 4, backups: 2 });
  for (const word of ['aaaa', 'bbbb', 'cc']) file.write(Buffer.from(word));
  assert.deepEqual(sizes(path, 2), [2, 4, 4]);
  file.clear();
  assert.equal(read(path), '');
  assert.equal(read(`${path}.1`), 'bbbb');
  assert.equal(read(`${path}.2`), 'aaaa');
  assert.equal(file.size, 0);
  file.write(Buffer.from('new'));
  assert.equal(read(path), 'new');
});

test('clear() works when the file is already gone', () => {
  const path = join(freshDir(), 'x.log');
  using file = new RotatingFile(path, { maxBytes: 4, backups: 2 });
  unlinkSync(path);
  file.clear();
  assert.equal(read(path), '');
});

test('clear() leaves a target that is not a regular file in place', () => {
  const dir = freshDir();
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    using file = new RotatingFile(fifo, { maxBytes: 0, backups: 0 });
    file.clear();
    assert.equal(statSync(fifo).isFIFO(), true);
    file.write(Buffer.from('still flowing'));
    assert.equal(readSync(reader, Buffer.alloc(64)), 13);
  } finally {
    closeSync(reader);
  }
});

test('close() is idempotent and later writes throw', () => {
  const path = join(freshDir(), 'x.log');
  const file = new RotatingFile(path, { maxBytes: 10, backups: 1 });
  file.write(Buffer.from('x'));
  file.close();
  file.close();
  file.reopen();
  file.clear();
  assert.throws(() => file.write(Buffer.from('y')), /closed/);
  assert.equal(read(path), 'x', 'reopen() and clear() after close() do nothing');
});

test('a missing directory fails at open with the errno error', () => {
  assert.throws(() => new RotatingFile(join(tmp.path, 'no-such-dir', 'x.log'), { maxBytes: 0, backups: 0 }), { code: 'ENOENT' });
});

test('negative or fractional limits are refused', () => {
  const path = join(freshDir(), 'x.log');
  assert.throws(() => new RotatingFile(path, { maxBytes: -1, backups: 0 }), RangeError);
  assert.throws(() => new RotatingFile(path, { maxBytes: 10, backups: 1.5 }), RangeError);
});
