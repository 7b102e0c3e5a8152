/**
 * How the store opens its database, on each of its two connections (the main thread's and the
 * writer thread's): WAL with `synchronous=NORMAL` (a commit survives a crash of the controller,
 * SIGKILL included; a power loss may take back the last commits), a page cache that holds the
 * per-host index pages a batch touches, and checkpoints where they cost the event loop nothing.
 */
import Database from 'better-sqlite3';
import { setTimeout as sleep } from 'node:timers/promises';

/** Opens `path`; `timeoutMs` is how long a write waits for the other connection's transaction. */
export function openDatabase(path: string, timeoutMs: number): Database.Database {
  return new Database(path, { timeout: timeoutMs });
}

export interface ConnectionOptions {
  /** Page cache, MiB: the writer's holds the index pages a batch over a thousand hosts touches; reads need less. */
  cacheMiB: number;
  /**
   * Checkpoint when the WAL passes this many pages (0: never on this connection). Only the
   * writer thread checkpoints, letting the WAL grow to ~40 MB between checkpoints (at the
   * default 4 MB, a batch over a thousand hosts checkpoints nearly every time).
   */
  checkpointPages: number;
}

export function configureConnection(db: Database.Database, options: ConnectionOptions): void {
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal') throw new Error(`SQLite kept journal_mode=${String(mode)} instead of wal`);
  db.pragma('synchronous = NORMAL');
  db.pragma(`cache_size = ${-options.cacheMiB * 1024}`);
  db.pragma(`wal_autocheckpoint = ${options.checkpointPages}`);
}

/** How long the main connection's writes keep trying while the writer thread holds the lock. */
const WRITE_WHEN_FREE_MS = 10_000;

/**
 * Runs `write` (synchronous work on the main connection, whose busy timeout is short) and, while
 * another connection holds the write lock (the writer thread committing a batch, or
 * `fleet-controller bootstrap`), tries it again after a pause in which the event loop runs: the
 * controller never sleeps inside SQLite waiting for its own writer. A transaction that found the
 * lock taken was rolled back whole, so trying again is safe.
 */
export async function writeWhenFree<T>(write: () => T): Promise<T> {
  const deadline = Date.now() + WRITE_WHEN_FREE_MS;
  for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
    try {
      return write();
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code;
      if (typeof code !== 'string' || !code.startsWith('SQLITE_BUSY') || Date.now() + pause > deadline) throw err;
      await sleep(pause);
    }
  }
}
