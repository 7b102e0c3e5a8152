/**
 * The link's on-disk spool: every event the host reports is numbered here and written here
 * before it is sent, and stays until the controller acks it (DESIGN.md, "nothing lost, nothing
 * doubled").
 *
 * Layout, in one directory per config file under state_dir:
 *   00000000000000000001.seg   segments, named by the seq of their first record; the last one
 *   00000000000000004711.seg   is appended to, the others are complete
 *   acked                      the highest seq the controller acked (text)
 * Records are framed and checksummed (spool-record.ts). The seq counter is the spool itself: at
 * open it continues after the last valid record (or, in an empty last segment, after its name),
 * so it survives restarts and SIGKILL without a file of its own. Trimming deletes whole
 * segments, so an ack costs one small write, never a rewrite.
 *
 * Durability: appends are gathered per event-loop turn and written with one write(); then one
 * fdatasync, and only then do the events count as durable (`durableSeq`), which is all the link
 * ever sends. So the controller can never ack an event the host could still lose in a crash,
 * and after one the counter never hands out a seq the controller already has.
 *
 * Bound: when the segments hold more than `maxBytes`, the oldest segment is deleted and a gap
 * event (from..to, the unacked seqs it held) is appended, sent like any event. A write that
 * fails (disk full) loses its events the same way: truncated back, recorded as a gap, retried.
 */
import { closeSync, fdatasync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../logs/logger.js';
import type { NewEvent, SpooledEvent } from './link-event.js';
import { RecentEvents } from './recent-events.js';
import { decodeRecord, encodeRecord, HEADER_BYTES, MAX_PAYLOAD_BYTES, scanRecords } from './spool-record.js';
import { Segment } from './spool-segment.js';

export interface SpoolOptions {
  /** The bound on the segments' total size ([fleet] spool_max_bytes). */
  maxBytes: number;
  /** Where a torn record found at open, a drop and a write failure are reported. */
  logger: Logger;
  /** Epoch ms, for the time of gap events; Date.now by default. */
  clock?: () => number;
}

interface Pending {
  event: SpooledEvent;
  record: Buffer;
}

interface Cursor {
  segment: Segment;
  offset: number;
  /** The `afterSeq` a read continuing from here is called with. */
  after: number;
}

const SEGMENT_SUFFIX = '.seg';
const ACKED_FILE = 'acked';
/** Recently written events kept in memory, so live sending does not read them back from disk. */
const RECENT_BYTES = 1024 * 1024;
/** A read from disk takes this much of a segment at a time (at least one record of any size). */
const READ_BLOCK_BYTES = 2 * (HEADER_BYTES + MAX_PAYLOAD_BYTES);
const RETRY_WRITE_MS = 1000;

/** A segment holds about an eighth of the bound, between 16 KiB and 8 MiB. */
export function segmentBytesFor(maxBytes: number): number {
  return Math.min(8 * 1024 * 1024, Math.max(16 * 1024, Math.floor(maxBytes / 8)));
}

export class Spool implements Disposable {
  private readonly segmentBytes: number;
  private readonly clock: () => number;
  private fd: number;
  /** The next seq to give. */
  private next: number;
  /** The highest seq written (every lower one is written, or lost and covered by a gap). */
  private written: number;
  private durable: number;
  private acked: number;
  private totalBytes: number;
  private pending: Pending[] = [];
  private flushQueued = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private syncing = false;
  private failing = false;
  private readonly recent = new RecentEvents(RECENT_BYTES);
  private cursor: Cursor | null = null;
  private readonly listeners = new Set<(durableSeq: number) => void>();
  private closed = false;

  private constructor(
    readonly dir: string,
    private readonly options: SpoolOptions,
    private readonly segments: Segment[],
    lastSeq: number,
    acked: number,
  ) {
    this.segmentBytes = segmentBytesFor(options.maxBytes);
    this.clock = options.clock ?? Date.now;
    this.next = lastSeq + 1;
    this.written = lastSeq;
    this.durable = lastSeq;
    this.acked = Math.min(acked, lastSeq);
    this.totalBytes = segments.reduce((sum, s) => sum + s.bytes, 0);
    this.fd = openSync(this.active.path, 'a', 0o600);
  }

  /**
   * Opens the spool in `dir` (created with mode 0700 when missing). A record cut short at the end
   * of the last segment (the previous agent was killed while writing it) is cut off and logged;
   * the counter continues after the last whole record. Throws what the file system throws.
   */
  static open(dir: string, options: SpoolOptions): Spool {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const segments = readdirSync(dir)
      .filter((name) => /^\d{20}\.seg$/.test(name))
      .map((name) => new Segment(Number(name.slice(0, 20)), join(dir, name), statSync(join(dir, name)).size, false))
      .sort((a, b) => a.first - b.first);
    if (segments.length === 0) segments.push(createSegment(dir, 1));
    const { segment: last, lastSeq } = recoverLastSegment(segments.pop()!, options.logger);
    segments.push(last);
    let acked = 0;
    try {
      acked = Number.parseInt(readFileSync(join(dir, ACKED_FILE), 'utf8'), 10) || 0;
    } catch {
      // Never acked, or the file was lost: gaps may then overstate what was dropped.
    }
    return new Spool(dir, options, segments, lastSeq, acked);
  }

  /** The highest seq given out (0 before the first event ever): Hello's last_seq. */
  get lastSeq(): number {
    return this.next - 1;
  }

  /** Every event up to this seq is on disk and synced (or was lost, and a gap says so). */
  get durableSeq(): number {
    return this.durable;
  }

  /** The highest seq the controller acked. */
  get ackedSeq(): number {
    return this.acked;
  }

  /** The segments' total size on disk. */
  get bytes(): number {
    return this.totalBytes;
  }

  /**
   * Numbers the event and queues it for writing, at the end of this event-loop turn. Returns its
   * seq. Never throws for an I/O problem (that becomes a gap); throws if the spool is closed.
   */
  append(event: NewEvent): number {
    if (this.closed) throw new Error(`the spool in ${this.dir} is closed`);
    const full = { ...event, seq: this.next++ } as SpooledEvent;
    this.pending.push({ event: full, record: encodeRecord(full) });
    if (!this.flushQueued && this.retryTimer === null) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
    return full.seq;
  }

  /** Calls `listener` with the new durableSeq each time it moves. Returns the unsubscribe function. */
  onDurable(listener: (durableSeq: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Durable events after `afterSeq`, in seq order, up to about `maxBytes` of records (at least
   * one event when there is one). Reading on from where the last read ended is sequential; any
   * other position is found by scanning its segment.
   */
  read(afterSeq: number, maxBytes = 512 * 1024): SpooledEvent[] {
    if (afterSeq >= this.durable) return [];
    const first = this.recent.firstSeq;
    if (first !== null && first <= afterSeq + 1) return this.recent.after(afterSeq, this.durable, maxBytes);
    return this.readDisk(afterSeq, maxBytes);
  }

  /**
   * The controller stored everything up to `seq`: deletes the segments that hold nothing newer
   * and remembers the ack. An ack beyond lastSeq means this spool is older than what the
   * controller has (state_dir restored from a copy): the counter jumps past it, so no new event
   * reuses a seq the controller already holds.
   */
  trim(seq: number): void {
    if (this.closed || seq <= this.acked) return;
    if (seq > this.lastSeq) {
      this.options.logger.warn(
        `the controller acked seq ${seq} but this host has only numbered up to ${this.lastSeq} (${this.dir} is older than the controller's copy); continuing from ${seq + 1}`,
      );
      this.flush();
      this.next = seq + 1;
      this.written = Math.max(this.written, seq);
      this.durable = Math.max(this.durable, seq);
      this.startSegment(seq + 1);
    }
    this.acked = seq;
    while (this.segments.length > 1 && this.segments[1]!.first - 1 <= seq) this.deleteOldest();
    this.recent.dropUpTo(seq);
    try {
      writeFileSync(join(this.dir, ACKED_FILE), `${seq}\n`, { mode: 0o600 });
    } catch (err) {
      this.options.logger.warn(`could not record the ack in ${this.dir}: ${describe(err)}`);
    }
  }

  /** Writes what is queued, syncs and closes the segment. Idempotent. */
  close(): void {
    if (this.closed) return;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.flush();
    this.closed = true;
    try {
      fdatasyncSync(this.fd);
    } catch {
      // Nothing more can be done about it now.
    }
    closeSync(this.fd);
    this.listeners.clear();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  /** Writes every queued record (end of the turn, a retry, close). */
  private flush(): void {
    this.flushQueued = false;
    if (this.closed || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      this.writeBatch(batch);
      if (this.failing) this.options.logger.info(`writing to the spool in ${this.dir} works again`);
      this.failing = false;
    } catch (err) {
      const lost = batch.filter((p) => p.event.seq > this.written);
      if (!this.failing) this.options.logger.error(`could not write to the spool in ${this.dir}: ${describe(err)}; the events are recorded as a gap`);
      this.failing = true;
      this.recordGap(lost.map((p) => p.event));
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.flush();
      }, RETRY_WRITE_MS);
      this.retryTimer.unref();
    }
    this.enforceBound();
    this.startSync();
  }

  /** Writes records in order, one write per segment touched; throws after undoing a partial write. */
  private writeBatch(batch: readonly Pending[]): void {
    let i = 0;
    while (i < batch.length) {
      if (this.active.bytes > 0 && this.active.bytes + batch[i]!.record.length > this.segmentBytes) this.startSegment(batch[i]!.event.seq);
      let room = Math.max(this.segmentBytes - this.active.bytes, batch[i]!.record.length);
      let j = i;
      while (j < batch.length && batch[j]!.record.length <= room) room -= batch[j++]!.record.length;
      const records = batch.slice(i, j);
      let offset = this.active.bytes;
      this.writeAll(Buffer.concat(records.map((p) => p.record)));
      for (const p of records) {
        this.active.note(p.event.seq, offset);
        offset += p.record.length;
        this.remember(p);
      }
      this.written = records[records.length - 1]!.event.seq;
      i = j;
    }
  }

  private writeAll(data: Buffer): void {
    const segment = this.active;
    let done = 0;
    try {
      while (done < data.length) done += writeSync(this.fd, data, done, data.length - done);
    } catch (err) {
      // A partial record would end every later scan of this segment: cut it off.
      try {
        ftruncateSync(this.fd, segment.bytes);
      } catch {
        // The next open finds the torn record and cuts it off.
      }
      throw err;
    }
    segment.bytes += data.length;
    this.totalBytes += data.length;
  }

  /** Closes the active segment (synced) and starts a new one whose first seq is `first`. */
  private startSegment(first: number): void {
    const old = this.active;
    fdatasyncSync(this.fd);
    closeSync(this.fd);
    if (old.bytes === 0) {
      // Never written: a segment named for a seq it will never hold would mislead the next open.
      unlinkSync(old.path);
      this.segments.pop();
    }
    const segment = createSegment(this.dir, first);
    this.segments.push(segment);
    this.fd = openSync(segment.path, 'a', 0o600);
  }

  /** One fdatasync at a time; events count as durable once the one covering them returns. */
  private startSync(): void {
    if (this.syncing || this.closed || this.durable >= this.written) return;
    this.syncing = true;
    const target = this.written;
    fdatasync(this.fd, (err) => {
      this.syncing = false;
      if (this.closed) return;
      // A failed sync leaves the data in the page cache, which is what a SIGKILL needs; a
      // disk that fails syncs has bigger problems, which the write errors will report.
      if (err) this.options.logger.warn(`could not sync the spool in ${this.dir}: ${describe(err)}`);
      this.durable = Math.max(this.durable, target);
      for (const listener of [...this.listeners]) listener(this.durable);
      this.startSync();
    });
  }

  /** Deletes the oldest segments while over the bound, and records what they held unacked as one gap. */
  private enforceBound(): void {
    if (this.closed) return;
    const dropped: SpooledEvent[] = [];
    let from = Infinity;
    let to = 0;
    while (this.totalBytes > this.options.maxBytes && this.segments.length > 1) {
      const segment = this.segments[0]!;
      const last = this.segments[1]!.first - 1;
      if (last > this.acked) {
        from = Math.min(from, Math.max(segment.first, this.acked + 1));
        to = last;
        dropped.push(...this.gapsIn(segment).filter((e) => e.seq > this.acked));
      }
      this.deleteOldest();
    }
    if (to === 0) return;
    this.recent.dropUpTo(to);
    let fromSeq = from;
    for (const e of dropped) if (e.kind === 'gap') fromSeq = Math.min(fromSeq, e.fromSeq);
    this.options.logger.warn(
      `the spool in ${this.dir} is full (${this.options.maxBytes} bytes): dropped events ${fromSeq}..${to}, which the controller had not acked`,
    );
    this.append({ kind: 'gap', time: this.clock(), fromSeq, toSeq: to });
  }

  /** Appends a gap for events that could not be written (a gap among them widens it). */
  private recordGap(lost: readonly SpooledEvent[]): void {
    if (lost.length === 0) return;
    let fromSeq = lost[0]!.seq;
    for (const e of lost) if (e.kind === 'gap') fromSeq = Math.min(fromSeq, e.fromSeq);
    const toSeq = lost[lost.length - 1]!.seq;
    const full = { kind: 'gap', time: this.clock(), fromSeq, toSeq, seq: this.next++ } as SpooledEvent;
    this.pending.push({ event: full, record: encodeRecord(full) });
  }

  private deleteOldest(): void {
    const segment = this.segments.shift()!;
    this.totalBytes -= segment.bytes;
    if (this.cursor?.segment === segment) this.cursor = null;
    try {
      unlinkSync(segment.path);
    } catch (err) {
      this.options.logger.warn(`could not delete ${segment.path}: ${describe(err)}`);
    }
  }

  private remember(p: Pending): void {
    this.recent.push(p.event, p.record.length);
  }

  private readDisk(afterSeq: number, maxBytes: number): SpooledEvent[] {
    const start = this.cursor !== null && this.cursor.after === afterSeq ? this.cursor : this.seek(afterSeq);
    const out: SpooledEvent[] = [];
    let bytes = 0;
    let index = this.segments.indexOf(start.segment);
    let offset = start.offset;
    // A little more than asked for, so a short read costs a short read; doubled for a record that does not fit.
    let blockBytes = Math.min(READ_BLOCK_BYTES, Math.max(64 * 1024, Math.ceil(maxBytes * 1.25)));
    reading: while (bytes < maxBytes) {
      const segment = this.segments[index]!;
      if (offset >= segment.bytes) {
        if (index === this.segments.length - 1) break;
        index++;
        offset = 0;
        continue;
      }
      const block = readBlock(segment.path, offset, Math.min(blockBytes, segment.bytes - offset));
      const scan = scanRecords(block, 0, { partialOk: true });
      if (scan.records.length === 0 && scan.problem === '' && blockBytes < READ_BLOCK_BYTES && block.length < segment.bytes - offset) {
        blockBytes = READ_BLOCK_BYTES; // one record larger than the block
        continue;
      }
      if (scan.records.length === 0) {
        // Damage inside a segment that was complete when written: skip the rest of it.
        this.options.logger.error(`skipping the rest of ${segment.path} from byte ${offset}: ${scan.problem || 'an unreadable record'}`);
        offset = segment.bytes;
        continue;
      }
      for (const record of scan.records) {
        if (record.seq > this.durable) break reading;
        offset += record.size;
        if (record.seq <= afterSeq) continue;
        try {
          out.push(decodeRecord(block, record));
        } catch {
          this.options.logger.error(`skipping seq ${record.seq} in ${segment.path}: its record is not readable`);
          continue;
        }
        bytes += record.size;
        if (bytes >= maxBytes) break reading;
      }
    }
    this.cursor = { segment: this.segments[index]!, offset, after: out.at(-1)?.seq ?? afterSeq };
    return out;
  }

  /** The segment that would hold `afterSeq + 1`, from its index mark before it (the read skips what is older). */
  private seek(afterSeq: number): Cursor {
    let index = 0;
    for (let i = 0; i < this.segments.length; i++) if (this.segments[i]!.first <= afterSeq + 1) index = i;
    const segment = this.segments[index]!;
    return { segment, offset: segment.startFor(afterSeq + 1), after: afterSeq };
  }

  /** The gap events of a segment about to be dropped. */
  private gapsIn(segment: Segment): SpooledEvent[] {
    try {
      const data = readFileSync(segment.path);
      return scanRecords(data, 0)
        .records.map((r) => decodeRecord(data, r))
        .filter((e) => e.kind === 'gap');
    } catch {
      return [];
    }
  }
}

function createSegment(dir: string, first: number): Segment {
  const path = join(dir, `${String(first).padStart(20, '0')}${SEGMENT_SUFFIX}`);
  closeSync(openSync(path, 'a', 0o600));
  syncDir(dir);
  return new Segment(first, path, statSync(path).size, true);
}

/** Makes a created or deleted name durable. */
function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Scans the segment that was being written, cuts off a torn tail, syncs what the previous agent
 * may have left unsynced, and returns the last seq it holds.
 */
function recoverLastSegment(found: Segment, logger: Logger): { segment: Segment; lastSeq: number } {
  const data = readFileSync(found.path);
  const scan = scanRecords(data, 0);
  const segment = new Segment(found.first, found.path, data.length, true);
  for (const record of scan.records) segment.note(record.seq, record.offset);
  const fd = openSync(segment.path, 'r+');
  try {
    if (scan.rest > 0) {
      logger.warn(`dropped ${scan.rest} bytes at the end of ${segment.path} (${scan.problem}): the agent stopped while writing an event`);
      ftruncateSync(fd, scan.end);
      segment.bytes = scan.end;
    }
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { segment, lastSeq: scan.records.at(-1)?.seq ?? segment.first - 1 };
}

function readBlock(path: string, position: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = readSync(fd, buffer, done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return buffer.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
