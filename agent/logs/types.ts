import type { Readable } from 'node:stream';

/** One chunk of child output as captured, with the time the agent read it (epoch ms). */
export interface CapturedChunk {
  channel: 'stdout' | 'stderr';
  data: Buffer;
  time: number;
  /**
   * Stream offset of the chunk's first byte: the channel's bytes are numbered from the size of
   * the file when the log was opened, and the count never goes back (rotation, clear and reopen
   * included). Byte `offset` is at file offset `offset - fileStart` of `path` while it is there.
   */
  offset: number;
}

/**
 * One output channel of one process (stdout or stderr): the log file with supervisord's
 * rotation, or nothing for NONE. It lives as long as the process's group, across restarts.
 */
export interface ChannelLog {
  /** The file written to; null for NONE. */
  readonly path: string | null;
  /**
   * Reads a child's pipe until EOF and writes every byte to the log (after strip_ansi when
   * enabled). Called once per spawn; the previous child's stream may still be draining.
   * A number is the read end of a pipe, owned by the log from then on (closed at EOF or close()):
   * it is read through one reused buffer, which spares the page faults of a fresh buffer per
   * read (measured: 0.71-0.78 vs 0.89-1.12 agent CPU-s per GiB captured, rotation included).
   */
  attach(source: Readable | number): void;
  /** Stream offset of the first byte of the file at `path` (see CapturedChunk.offset). */
  readonly fileStart: number;
  /**
   * Capture time (epoch ms) of the byte at stream offset `offset`, from a bounded index of recent
   * chunks; null when the byte is older than the index keeps, or was not captured yet.
   */
  captureTime(offset: number): number | null;
  /**
   * Subscribes to captured chunks (for tail -f and the controller stream). Returns an unsubscribe
   * function. Listeners run synchronously once the chunk is in the file, and may keep `data`.
   */
  onChunk(listener: (chunk: CapturedChunk) => void): () => void;
  /** Deletes the log (not its backups, as supervisord) and reopens it empty (supervisorctl clear). */
  clear(): void;
  /** Closes and reopens the file at the same path (SIGUSR2, after an external logrotate). */
  reopen(): void;
  /** Flushes and closes. Idempotent. */
  close(): Promise<void>;
}

export interface ProcessLogs {
  stdout: ChannelLog;
  /** null when redirect_stderr is set: everything arrives on stdout. */
  stderr: ChannelLog | null;
  reopen(): void;
  close(): Promise<void>;
}
