import { closeSync, openSync, readSync } from 'node:fs';

export interface ProcStat {
  state: string;
  /** Start time in clock ticks since boot: with the pid, it names one process for good. */
  startTime: string;
}

/** One line of /proc/<pid>/stat: 52 fields of at most 20 digits, a 16-byte name, spaces. */
const buffer = Buffer.alloc(4096);

/**
 * Reads /proc/<pid>/stat; null when the pid does not exist (or /proc is missing). The agent reads
 * it for every child it spawns (the SIGKILL-recovery journal), so it skips readFileSync's stat
 * and allocations: one open, one read into a reused buffer, one close.
 */
export function readProcStat(pid: number): ProcStat | null {
  let text: string;
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/stat`, 'r');
  } catch {
    return null;
  }
  try {
    text = buffer.toString('latin1', 0, readSync(fd, buffer, 0, buffer.length, 0));
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); field 22 (starttime) is rest[19].
  return { state: rest[0] ?? '?', startTime: rest[19] ?? '0' };
}

/** True while the process exists and has not yet died (a zombie counts as dead). */
export function isAlive(pid: number, startTime?: string): boolean {
  const stat = readProcStat(pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
  return startTime === undefined || stat.startTime === startTime;
}
