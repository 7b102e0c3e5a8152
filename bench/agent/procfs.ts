// Readers for /proc: CPU time, context switches, memory, fds, and the process table.
//
// A supervisor is measured as a whole process: every figure sums all its threads
// (/proc/<pid>/task/*), and never includes its children. Python supervisord has one
// thread; Node has several (libuv pool, V8 workers), so reading only the main thread
// would under-count it.
import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks per second for /proc/<pid>/stat (USER_HZ); 100 on every Linux this runs on. */
export const CLK_TCK = 100;

export interface CpuSample {
  /** Sum over threads of /proc/<pid>/task/<tid>/schedstat field 1 (ns on CPU). */
  schedNs: number;
  /** utime + stime from /proc/<pid>/stat, in clock ticks (whole process, exited threads included). */
  ticks: number;
  /** Sum over threads of voluntary_ctxt_switches: each is one sleep, so one wake-up. */
  voluntary: number;
  /** Sum over threads of nonvoluntary_ctxt_switches (preemptions). */
  nonvoluntary: number;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return null;
  }
}

/** The fields of /proc/<pid>/stat after the command name; index 0 is field 3 (state). */
function statFields(pid: number): string[] | null {
  const text = readText(`/proc/${pid}/stat`);
  if (text === null) return null;
  return text.slice(text.lastIndexOf(')') + 2).trim().split(' ');
}

function statusField(text: string, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

function threadIds(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
}

/** One CPU and wake-up sample of a whole process; null once it is gone. */
export function sampleCpu(pid: number): CpuSample | null {
  const fields = statFields(pid);
  if (fields === null) return null;
  const sample: CpuSample = {
    schedNs: 0,
    ticks: Number(fields[11]) + Number(fields[12]), // utime (14), stime (15)
    voluntary: 0,
    nonvoluntary: 0,
  };
  for (const tid of threadIds(pid)) {
    const sched = readText(`/proc/${pid}/task/${tid}/schedstat`);
    if (sched !== null) sample.schedNs += Number(sched.split(' ')[0]);
    const status = readText(`/proc/${pid}/task/${tid}/status`);
    if (status !== null) {
      sample.voluntary += statusField(status, 'voluntary_ctxt_switches');
      sample.nonvoluntary += statusField(status, 'nonvoluntary_ctxt_switches');
    }
  }
  return sample;
}

export interface MemorySample {
  rssKiB: number;
  threads: number;
  fds: number;
}

export function sampleMemory(pid: number): MemorySample | null {
  const status = readText(`/proc/${pid}/status`);
  if (status === null) return null;
  let fds = 0;
  try {
    fds = readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    fds = 0;
  }
  return { rssKiB: statusField(status, 'VmRSS'), threads: statusField(status, 'Threads'), fds };
}

export interface ProcEntry {
  pid: number;
  ppid: number;
  state: string;
}

/** Every process on the machine with its parent and state. */
export function processTable(): ProcEntry[] {
  const out: ProcEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const fields = statFields(pid);
    if (fields === null) continue;
    out.push({ pid, ppid: Number(fields[1]), state: fields[0] ?? '?' });
  }
  return out;
}

/** True while the process exists and is not a zombie. */
export function isLive(pid: number): boolean {
  const fields = statFields(pid);
  return fields !== null && fields[0] !== 'Z' && fields[0] !== 'X';
}

/**
 * Live processes whose command line contains `needle` (the bench's own temp dir: every child
 * and every daemon config path lives there, so nothing else on the machine can match).
 */
export function processesMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    const cmdline = readText(`/proc/${name}/cmdline`);
    if (cmdline === null || !cmdline.includes(needle)) continue;
    if (isLive(pid)) out.push(pid);
  }
  return out;
}

/**
 * Processes that belong to the supervisor itself: its descendants minus the supervised children
 * (given by pid) and their own descendants. 1 means the supervisor is a single process.
 */
export function supervisorProcessCount(daemonPid: number, childPids: Set<number>): number {
  const byParent = new Map<number, number[]>();
  for (const p of processTable()) {
    if (p.state === 'Z') continue;
    const list = byParent.get(p.ppid) ?? [];
    list.push(p.pid);
    byParent.set(p.ppid, list);
  }
  let count = 0;
  const stack = [daemonPid];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    if (childPids.has(pid)) continue;
    count++;
    stack.push(...(byParent.get(pid) ?? []));
  }
  return count;
}

export interface IoSample {
  /** Bytes and calls of read-like and write-like syscalls, whole process (/proc/<pid>/io). */
  rchar: number;
  wchar: number;
  syscr: number;
  syscw: number;
}

export function sampleIo(pid: number): IoSample | null {
  const text = readText(`/proc/${pid}/io`);
  if (text === null) return null;
  return {
    rchar: statusField(text, 'rchar'),
    wchar: statusField(text, 'wchar'),
    syscr: statusField(text, 'syscr'),
    syscw: statusField(text, 'syscw'),
  };
}
