import type { Readable } from 'node:stream';

/** One chunk of child output as captured, with the time the agent read it (epoch ms). */
export interface CapturedChunk {
  channel: 'stdout' | 'stderr';
  data: Buffer;
  time: number;
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
   */
  attach(stream: Readable): void;
  /** Subscribes to captured chunks (for tail -f and the controller stream). Returns an unsubscribe function. */
  onChunk(listener: (chunk: CapturedChunk) => void): () => void;
  /** Deletes the log and its backups and reopens it empty (supervisorctl clear). */
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
