/**
 * One channel of one process as a log stream reads it: a cursor over the channel's stream
 * offsets (agent/logs/types.ts CapturedChunk.offset) that reads the bytes back from the log file,
 * with the capture time of each byte from the channel's time index (chunk-times.ts).
 *
 * Reading from the file rather than holding captured chunks keeps memory bounded however slow
 * the reader is: a reader that falls behind just reads further back. Rotation and clear are
 * followed: the file that was open is read to its end (it keeps its bytes after the rename),
 * then the cursor moves to the new file at the path; bytes of files rotated away meanwhile are
 * skipped. Reads are synchronous and at most CHUNK_BYTES long, like the log writes themselves.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import type { ChannelLog } from '../logs/types.js';
import type { ProcessRef } from '../engine/supervisor.js';

export type Channel = 'stdout' | 'stderr';

/** Bytes captured at one time (epoch ms), from one channel of one process. */
export interface TimedChunk {
  time: number;
  data: Buffer;
}

/** The largest chunk read and sent at once. */
export const CHUNK_BYTES = 64 * 1024;

export class LogSource {
  private fd: number | null = null;
  /** Stream offset of byte 0 of the open file. */
  private base = 0;
  private ino = 0;
  /** The next stream offset to send. */
  pos = 0;
  private closed = false;

  constructor(
    readonly ref: ProcessRef,
    readonly channel: Channel,
    private log: ChannelLog,
  ) {}

  /** The channel log this source reads (a process replaced by update gets a new one). */
  get channelLog(): ChannelLog {
    return this.log;
  }

  /** One past the last byte captured so far. Opens the file if needed; -1 if it cannot be. */
  end(): number {
    if (!this.follow()) return -1;
    return this.base + fstatSync(this.fd!).size;
  }

  /**
   * Where a backlog of what was captured since `sinceMs` starts, at most `maxBytes` before the
   * end. Bytes older than the time index are included when the index does not reach back to
   * `sinceMs` (their time is unknown; the earliest known time, or the file's mtime, bounds it).
   */
  backlogStart(sinceMs: number, maxBytes: number): number {
    const end = this.end();
    if (end < 0) return 0;
    const lo = Math.max(this.base, end - maxBytes);
    const known = this.firstKnown(lo, end);
    if (known > lo && this.unknownTime(known, end) >= sinceMs) return lo;
    return this.search(known, end, (offset) => (this.log.captureTime(offset) ?? -Infinity) >= sinceMs);
  }

  /** Moves the cursor (a backlog's start, or the end for live output only). */
  seek(offset: number): void {
    this.pos = offset;
  }

  /** The capture time of the next byte to send; null when nothing is there (before `limit`). */
  nextTime(limit = Infinity): number | null {
    const end = Math.min(this.end(), limit);
    if (this.pos >= end) return null;
    return this.timeAt(this.pos, end);
  }

  /**
   * Reads the next run of bytes captured at one time, up to CHUNK_BYTES and not past `limit`.
   * null when there is nothing to read yet.
   */
  read(limit = Infinity): TimedChunk | null {
    const end = Math.min(this.end(), limit);
    if (this.pos >= end) return null;
    const stop = Math.min(end, this.pos + CHUNK_BYTES);
    const time = this.timeAt(this.pos, end);
    const known = this.log.captureTime(this.pos) !== null;
    const split = known
      ? this.search(this.pos + 1, stop, (offset) => (this.log.captureTime(offset) ?? time) > time)
      : this.firstKnown(this.pos + 1, stop);
    const data = Buffer.allocUnsafe(split - this.pos);
    let done = 0;
    while (done < data.length) {
      const n = readSync(this.fd!, data, done, data.length - done, this.pos - this.base + done);
      if (n === 0) break;
      done += n;
    }
    this.pos += done;
    if (done === 0) {
      // The file is shorter than the log says (truncated from outside): start again at its end.
      this.pos = end;
      return null;
    }
    return { time, data: data.subarray(0, done) };
  }

  /** A process replaced by update has a new channel log: continue with it, from its end. */
  replaceLog(log: ChannelLog): void {
    this.closeFile();
    this.log = log;
    this.pos = this.end();
  }

  /** Closes the file. Idempotent. */
  close(): void {
    this.closed = true;
    this.closeFile();
  }

  /**
   * Brings the open file in line with the log: opened on first use; after a rotation or clear,
   * read to its end, then the file now at the path. Returns false when there is no file.
   */
  private follow(): boolean {
    if (this.closed || this.log.path === null) return false;
    const start = this.log.fileStart;
    if (this.fd !== null && this.base !== start) {
      if (this.sameFileAsPath()) {
        // Truncated in place (rotation with backups=0): the same file holds new bytes.
        this.base = start;
        this.pos = Math.max(this.pos, start);
      } else if (this.pos >= this.base + fstatSync(this.fd).size) {
        this.closeFile();
      }
    }
    if (this.fd === null) {
      try {
        this.fd = openSync(this.log.path, 'r');
      } catch {
        return false;
      }
      this.base = this.log.fileStart;
      this.ino = fstatSync(this.fd).ino;
      this.pos = Math.max(this.pos, this.base);
    }
    return true;
  }

  private sameFileAsPath(): boolean {
    try {
      return statSync(this.log.path!).ino === this.ino;
    } catch {
      return false;
    }
  }

  private closeFile(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /** The capture time of the byte at `offset`; for bytes older than the index, the unknown-time bound. */
  private timeAt(offset: number, end: number): number {
    return this.log.captureTime(offset) ?? this.unknownTime(this.firstKnown(offset, end), end);
  }

  /** An upper bound for bytes older than the index: the first known time, else the file's mtime. */
  private unknownTime(firstKnown: number, end: number): number {
    if (firstKnown < end) return this.log.captureTime(firstKnown)!;
    return this.fd === null ? Date.now() : fstatSync(this.fd).mtimeMs;
  }

  /** The first offset in [lo, hi) with a known capture time (the index keeps the newest ones), or hi. */
  private firstKnown(lo: number, hi: number): number {
    return this.search(lo, hi, (offset) => this.log.captureTime(offset) !== null);
  }

  /** The first offset in [lo, hi) where the monotone `test` holds, or hi. */
  private search(lo: number, hi: number, test: (offset: number) => boolean): number {
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (test(mid)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
