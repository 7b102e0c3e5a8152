/**
 * `tail -f` on the agent's side (supervisord's /logtail, http.py tail_f_producer): the last
 * bytes of a log file, then every byte appended to it, across rotation and truncation, until the
 * caller aborts.
 *
 * It follows the file by polling, as supervisord's logtail does, rather than by subscribing to
 * the channel log's chunks:
 * - one code path for child logs and the activity log (which has no chunk listeners);
 * - it does not depend on how output reaches the file (a pump that splices pipe to file never
 *   shows the bytes to JavaScript), and listeners would cost a copy of every chunk captured;
 * - it sees what happens to the file from outside: logrotate moving it away (a new inode at the
 *   path) or copy-and-truncate (the file shrinks), like `tail -F`.
 * The cost is two stat calls per interval per follower, nothing when nobody follows, and up to
 * one interval (100 ms, supervisord's delay) of latency.
 *
 * Unlike supervisord, bytes written to the old file before a rotation are not lost, even when
 * they land between the last poll and the move: once the path is seen to name a new file, the
 * old one is stat'ed again and read to that end before the new one is opened. (Only a writer that
 * keeps writing to the moved file after that can still outrun the follower, as with `tail -F`.)
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { FleetError } from '../../common/errors.js';

export interface FollowChunk {
  data: Buffer;
  /** The file shrank under the reader; reading went back to its start (`==> File truncated <==`). */
  truncated: boolean;
}

export interface FollowOptions {
  /** Bytes of existing content to yield first (supervisord's logtail: 1024). */
  backlog: number;
  /** How often the file is checked when there is nothing new; 100 ms by default. */
  intervalMs?: number;
  /** The largest chunk yielded (1 MiB by default): a longer write arrives as several chunks, in order. */
  chunkBytes?: number;
}

const DEFAULT_INTERVAL_MS = 100;
const DEFAULT_CHUNK_BYTES = 1024 * 1024;

/**
 * Yields the last `backlog` bytes of `path`, then new bytes as they are written. The first
 * next() rejects with NO_FILE (with the path) if the file does not exist, FAILED if it cannot be
 * opened; the file is opened only then, so an iterator that is never started holds nothing. The
 * iterator ends when `signal` aborts (without throwing) and closes the file however it ends.
 */
export async function* followLogFile(path: string, options: FollowOptions, signal: AbortSignal): AsyncGenerator<FollowChunk> {
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const cursor = await openCursor(path, options.backlog);
  try {
    while (!signal.aborted) {
      const size = (await cursor.file.stat()).size;
      if (size < cursor.position) {
        cursor.position = 0;
        yield { data: Buffer.alloc(0), truncated: true };
        continue;
      }
      if (size > cursor.position) {
        const length = Math.min(chunkBytes, size - cursor.position);
        const buffer = Buffer.allocUnsafe(length);
        const { bytesRead } = await cursor.file.read(buffer, 0, length, cursor.position);
        if (bytesRead > 0) {
          cursor.position += bytesRead;
          yield { data: buffer.subarray(0, bytesRead), truncated: false };
          continue;
        }
      }
      // At the end of the open file: has the path moved on to a new file (rotation, clear)?
      if (await replaced(path, cursor)) {
        // The size above may predate the move, so a write made just before it may not show in it;
        // a stat taken after the move was seen does show it. Read the old file to that end first.
        if ((await cursor.file.stat()).size > cursor.position) continue;
        if (await reopen(path, cursor)) continue;
      }
      try {
        await sleep(intervalMs, undefined, { signal });
      } catch {
        return; // aborted
      }
    }
  } finally {
    await cursor.file.close();
  }
}

interface Cursor {
  file: FileHandle;
  ino: number;
  position: number;
}

async function openCursor(path: string, backlog: number): Promise<Cursor> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new FleetError('NO_FILE', path);
    throw new FleetError('FAILED', `cannot open ${path}: ${(err as Error).message}`);
  }
  try {
    const { size, ino } = await file.stat();
    return { file, ino, position: Math.max(0, size - Math.max(0, backlog)) };
  } catch (err) {
    await file.close();
    throw new FleetError('FAILED', `cannot read ${path}: ${(err as Error).message}`);
  }
}

/** Whether `path` now names another file than the one open (false while nothing is there). */
async function replaced(path: string, cursor: Cursor): Promise<boolean> {
  try {
    return (await stat(path)).ino !== cursor.ino;
  } catch {
    return false; // unlinked and not recreated yet: keep the old file open
  }
}

/** Switches the cursor to the file now at `path`, from its start; false (and no change) if it cannot be opened. */
async function reopen(path: string, cursor: Cursor): Promise<boolean> {
  let next: FileHandle;
  let ino: number;
  try {
    next = await open(path, 'r');
  } catch {
    return false;
  }
  try {
    ino = (await next.stat()).ino;
  } catch {
    await next.close();
    return false;
  }
  const old = cursor.file;
  cursor.file = next;
  cursor.ino = ino;
  cursor.position = 0;
  await old.close();
  return true;
}
