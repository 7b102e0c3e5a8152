import { readdirSync, readlinkSync } from 'node:fs';
import { native } from '../../agent/native/addon.js';

/** This process's open fds, ascending, without the one that listing them takes. */
export function openFds(): number[] {
  return readdirSync('/proc/self/fd')
    .filter((name) => {
      try {
        readlinkSync(`/proc/self/fd/${name}`);
        return true;
      } catch {
        return false; // the directory fd of this very listing, closed by now
      }
    })
    .map(Number)
    .sort((a, b) => a - b);
}

/**
 * Runs `body` with the soft RLIMIT_NOFILE set so that exactly `free` fd numbers are still free
 * (the table may have holes: a limit of count + n would allow more), then restores the limit.
 * Whatever opens fds meanwhile (pipe2 in a spawn) fails with EMFILE past them.
 */
export async function withFreeFds<T>(free: number, body: () => Promise<T> | T): Promise<T> {
  if (!Number.isInteger(free) || free < 1) throw new RangeError(`free must be a positive integer, got ${free}`);
  const limit = native.getrlimit('nofile');
  const open = new Set(openFds());
  let soft = 0;
  for (let left = free; left > 0; soft++) if (!open.has(soft)) left--;
  const error = native.setrlimit('nofile', soft, limit.hard);
  if (error) throw new Error(`setrlimit nofile ${soft}: ${error}`);
  try {
    return await body();
  } finally {
    native.setrlimit('nofile', limit.soft, limit.hard);
  }
}
