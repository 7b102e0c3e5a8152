import { Socket, type OnReadOpts, type SocketConstructorOpts } from 'node:net';
import type { Readable } from 'node:stream';
import { ChunkTimes } from './chunk-times.js';
import { logFileError } from './log-file-error.js';
import type { Logger } from './logger.js';
import type { RotatingFile } from './rotating-file.js';
import { AnsiStripper } from './strip-ansi.js';
import type { CapturedChunk, ChannelLog } from './types.js';

export interface ChannelLogOptions {
  channel: 'stdout' | 'stderr';
  /** The log file, or null for NONE. The channel log owns it from then on and closes it. */
  file: RotatingFile | null;
  /** [supervisord] strip_ansi. */
  stripAnsi: boolean;
  /** The activity log, where write failures and listener errors are reported. */
  logger: Logger;
  /** Entries kept in the capture-time index (see ChunkTimes). */
  timeIndexCapacity?: number;
  /** Epoch ms; Date.now by default. */
  clock?: () => number;
}

/**
 * Where every pipe attached by fd is read into. One buffer serves all of them: the onread callback
 * runs synchronously after each read, and capture() is done with the bytes (written to the file,
 * copied for listeners) before it returns, so nothing is left in it between reads. 128 KiB is
 * supervisord's read size, twice a default pipe. (A 1 MiB pipe and buffer were measured too: they
 * save the 0.1 CPU-s per GiB spent in JavaScript, but not the kernel's copying, which dominates.)
 */
const READ_BUFFER = Buffer.allocUnsafe(128 * 1024);
const ESC_BYTE = Buffer.from([0x1b]);

/** One attached pipe: stop() detaches it without waiting for EOF. */
interface Attachment {
  stop(): void;
}

type Listener = (chunk: CapturedChunk) => void;

export function createChannelLog(options: ChannelLogOptions): ChannelLog {
  return new FileChannelLog(options);
}

/**
 * The capture path, per chunk: one clock read, one write loop (usually one writeSync), two typed
 * array stores for the time index, and nothing else unless strip_ansi is on (one memchr) or
 * someone listens (one chunk object, plus a copy when the bytes are in the shared read buffer).
 * Bytes are never decoded.
 */
class FileChannelLog implements ChannelLog {
  readonly path: string | null;
  private readonly channel: 'stdout' | 'stderr';
  private readonly file: RotatingFile | null;
  private readonly stripAnsi: boolean;
  private readonly logger: Logger;
  private readonly clock: () => number;
  private readonly times: ChunkTimes;
  /** Stream offset one past the last byte captured. */
  private end: number;
  /** Replaced, never mutated, so capture() can iterate it while a listener unsubscribes. */
  private listeners: readonly Listener[] = [];
  private readonly attachments = new Set<Attachment>();
  /** Set after a write failure was reported, cleared by the next good write: one message per outage. */
  private failing = false;
  private closed = false;

  constructor(options: ChannelLogOptions) {
    this.channel = options.channel;
    this.file = options.file;
    this.path = options.file?.path ?? null;
    this.stripAnsi = options.stripAnsi;
    this.logger = options.logger;
    this.clock = options.clock ?? Date.now;
    this.times = new ChunkTimes(options.timeIndexCapacity);
    this.end = options.file?.size ?? 0;
  }

  get fileStart(): number {
    return this.file === null ? this.end : this.end - this.file.size;
  }

  captureTime(offset: number): number | null {
    return offset < this.end ? this.times.timeAt(offset) : null;
  }

  attach(source: Readable | number): void {
    if (this.closed) throw new Error(`the ${this.channel} log ${this.path ?? '(NONE)'} is closed`);
    const stripper = this.stripAnsi ? new AnsiStripper() : null;
    const attachment = typeof source === 'number' ? this.attachFd(source, stripper) : this.attachStream(source, stripper);
    this.attachments.add(attachment);
  }

  onChunk(listener: Listener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Throws a CONFIG_INVALID FleetError naming the path when a file cannot be removed or recreated. */
  clear(): void {
    if (this.closed || this.file === null) return;
    try {
      this.file.clear();
    } catch (err) {
      throw logFileError(`clearing the ${this.channel} log`, this.file.path, err);
    }
  }

  /** Throws a CONFIG_INVALID FleetError naming the path when it cannot be reopened; the old file stays in use. */
  reopen(): void {
    if (this.closed || this.file === null) return;
    // fileStart follows from the new file's size: a moved-away file gives an empty one that
    // starts at `end`; reopening the same file keeps its start.
    try {
      this.file.reopen();
    } catch (err) {
      throw logFileError(`reopening the ${this.channel} log`, this.file.path, err);
    }
  }

  /**
   * Detaches every pipe (those attached by fd are closed; output still in them is not captured),
   * writes any held-back byte and closes the file. Callers close a log after its process has
   * exited and its pipes reached EOF. Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    for (const attachment of this.attachments) attachment.stop();
    this.closed = true;
    this.listeners = [];
    this.file?.close();
  }

  private attachStream(stream: Readable, stripper: AnsiStripper | null): Attachment {
    if (stream.readableEncoding !== null || stream.readableObjectMode) {
      throw new TypeError('ChannelLog.attach() needs a byte stream (no setEncoding, no object mode): log bytes are never decoded');
    }
    const onData = (chunk: Buffer): void => this.capture(chunk, chunk.length, stripper, true);
    const attachment: Attachment = {
      stop: () => {
        stream.off('data', onData);
        this.finish(attachment, stripper);
      },
    };
    stream.on('data', onData);
    stream.once('end', attachment.stop);
    // A read error (EIO) ends the capture of this pipe; the child's exit is reported elsewhere.
    // The handler stays so that a late error cannot become an uncaught exception.
    stream.on('error', attachment.stop);
    return attachment;
  }

  private attachFd(fd: number, stripper: AnsiStripper | null): Attachment {
    const onread: OnReadOpts = {
      buffer: READ_BUFFER,
      callback: (length: number, buffer: Uint8Array): boolean => {
        this.capture(buffer as Buffer, length, stripper, false);
        return true;
      },
    };
    // @types/node lists onread only for connect(); the constructor takes it too (Node >= 12).
    const options: SocketConstructorOpts & { onread: OnReadOpts } = { fd, readable: true, writable: false, onread };
    const socket = new Socket(options);
    const attachment: Attachment = {
      stop: () => {
        socket.destroy();
        this.finish(attachment, stripper);
      },
    };
    socket.once('end', attachment.stop);
    socket.on('error', attachment.stop);
    return attachment;
  }

  private finish(attachment: Attachment, stripper: AnsiStripper | null): void {
    if (!this.attachments.delete(attachment)) return;
    if (stripper?.end()) this.emit(ESC_BYTE, 1, this.clock(), false);
  }

  /**
   * `fresh`: `data` is this chunk's own buffer (a Readable's), which listeners may keep and
   * strip_ansi may edit in place; otherwise it is READ_BUFFER, valid until we return.
   */
  private capture(data: Buffer, length: number, stripper: AnsiStripper | null, fresh: boolean): void {
    const time = this.clock();
    if (stripper !== null) {
      const view = data.length === length ? data : data.subarray(0, length);
      length = stripper.strip(view);
      if (stripper.releasedEscape) this.emit(ESC_BYTE, 1, time, false);
      if (length === 0) return;
    }
    this.emit(data, length, time, fresh);
  }

  private emit(data: Buffer, length: number, time: number, fresh: boolean): void {
    const start = this.end;
    this.end = start + length;
    if (this.file !== null) this.write(data, length);
    this.times.record(start, time);
    const listeners = this.listeners;
    if (listeners.length === 0) return;
    const bytes = fresh ? (data.length === length ? data : data.subarray(0, length)) : Buffer.from(data.subarray(0, length));
    const chunk: CapturedChunk = { channel: this.channel, data: bytes, time, offset: start };
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i]!(chunk);
      } catch (err) {
        this.logger.error(`${this.channel} log listener failed: ${describe(err)}`);
      }
    }
  }

  private write(data: Buffer, length: number): void {
    try {
      this.file!.write(data, 0, length);
      this.failing = false;
    } catch (err) {
      // supervisord prints a traceback and carries on; so do we, once per outage.
      if (!this.failing) this.logger.error(`could not write to ${this.path}: ${describe(err)}`);
      this.failing = true;
    }
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
