/**
 * SQLite and file-system failures as FleetErrors that name the database file, say what went
 * wrong in plain words and what the operator can do about it. The raw error is kept as `cause`.
 */
import { FleetError } from '../../common/errors.js';

interface Advice {
  what: string;
  todo: string;
}

/** The error code of a SqliteError (`SQLITE_FULL`, `SQLITE_IOERR_WRITE`...) or of a Node system error (`EACCES`...). */
function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function adviceFor(code: string, path: string): Advice | null {
  const aside = `move ${path} (with its -wal and -shm files) aside and restart: the history starts empty and the agents resend their current state`;
  if (code === 'SQLITE_NOTADB') return { what: 'is not a SQLite database (or is encrypted)', todo: `point --data at another directory, or ${aside}` };
  if (code.startsWith('SQLITE_CORRUPT')) return { what: 'is damaged', todo: `try "sqlite3 ${path} .recover" into a new file, or ${aside}` };
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    return { what: 'cannot be written: the disk is full', todo: 'free space on its file system (or lower the retention); nothing unwritten was acked, agents resend it' };
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS') {
    return { what: 'is read-only', todo: 'make the file, its directory and any -wal/-shm files writable by the controller\'s user, on a file system mounted read-write' };
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH' || code === 'EACCES' || code === 'EPERM' || code === 'ENOTDIR' || code === 'ENOENT') {
    return { what: 'cannot be opened', todo: 'check that its directory exists and that the controller\'s user may read and write there' };
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return { what: 'is locked by another process', todo: 'make sure no other fleet-controller uses the same --data directory' };
  }
  if (code.startsWith('SQLITE_IOERR')) return { what: 'hit an I/O error', todo: 'check the disk and the kernel log; the write is retried with the next batch' };
  return null;
}

/**
 * Wraps `err`, raised while `doing` something with the database at `path`, as a FAILED FleetError:
 * `controller store /data/fleet.db cannot be written: the disk is full (SQLITE_FULL: database or
 * disk is full) while storing events: free space on its file system ...`. A FleetError passes through.
 */
export function storeError(path: string, doing: string, err: unknown): FleetError {
  if (err instanceof FleetError) return err;
  const code = codeOf(err);
  const detail = err instanceof Error ? err.message : String(err);
  const raw = code && !detail.includes(code) ? `${code}: ${detail}` : detail;
  const advice = adviceFor(code, path);
  const message = advice
    ? `controller store ${path} ${advice.what} (${raw}) while ${doing}: ${advice.todo}`
    : `controller store ${path} failed (${raw}) while ${doing}`;
  return new FleetError('FAILED', message, { cause: err });
}

/** The store was closed: calls that come later fail with this. */
export function closedError(path: string): FleetError {
  return new FleetError('SHUTDOWN_STATE', `controller store ${path} is closed`);
}
