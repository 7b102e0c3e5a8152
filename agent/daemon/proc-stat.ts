import { readFileSync } from 'node:fs';

export interface ProcStat {
  state: string;
  /** Start time in clock ticks since boot: with the pid, it names one process for good. */
  startTime: string;
}

/** Reads /proc/<pid>/stat; null when the pid does not exist (or /proc is missing). */
export function readProcStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
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
