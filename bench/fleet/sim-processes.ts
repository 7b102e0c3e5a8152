// The processes of one simulated host: a table of N processes in a few groups, every one
// RUNNING at first, and the edges a real agent would report for them. Nothing is spawned; a
// "restart" is the sequence of transitions and the exit a real restart produces, at once.
import type { ProcessState } from '../../common/process-state.js';
import { fnmatchToRegExp } from '../../common/glob.js';

/** Group names, used in turn: process i is in GROUPS[i % 4], named `<group>_<i>`. */
const GROUPS = ['web', 'worker', 'queue', 'cron'] as const;

export interface SimProcess {
  group: string;
  name: string;
  state: ProcessState;
  /** 0 when not running. */
  pid: number;
  /** Epoch seconds of the last start and stop (0: never). */
  start: number;
  stop: number;
  /** Last exit status, -1 after a signal. */
  exitStatus: number;
}

/** What happened to a process, in order: each becomes one event with the host's next seq. */
export type SimChange =
  | {
      kind: 'transition';
      process: SimProcess;
      from: ProcessState;
      to: ProcessState;
      /** What the edge left on the process: its pid, times and exit status right after it. */
      pid: number;
      start: number;
      stop: number;
      exitStatus: number;
    }
  | { kind: 'exit'; process: SimProcess; pid: number; signal: string; expected: boolean };

export interface SimSelector {
  group: string;
  process: string;
}

export type ResultCode = 'SUCCESS' | 'ALREADY_STARTED' | 'NOT_RUNNING';

export interface SimResult {
  group: string;
  name: string;
  code: ResultCode;
  description: string;
}

/** The full cycle of edges the ingest flood walks each process through, back to RUNNING. */
const FLOOD_CYCLE: ReadonlyArray<readonly [from: ProcessState, to: ProcessState]> = [
  ['RUNNING', 'STOPPING'],
  ['STOPPING', 'STOPPED'],
  ['STOPPED', 'STARTING'],
  ['STARTING', 'RUNNING'],
];
export const FLOOD_CYCLE_LENGTH = FLOOD_CYCLE.length;

export class SimProcessTable {
  readonly processes: SimProcess[];
  private floodCursor = 0;

  constructor(
    count: number,
    private readonly nextPid: () => number,
  ) {
    const now = Math.floor(Date.now() / 1000);
    this.processes = Array.from({ length: count }, (_, i) => {
      const group = GROUPS[i % GROUPS.length]!;
      return { group, name: `${group}_${String(i).padStart(2, '0')}`, state: 'RUNNING', pid: nextPid(), start: now, stop: 0, exitStatus: 0 };
    });
  }

  /** The processes matched by any selector (fnmatch globs), each once, in table order. */
  select(selectors: readonly SimSelector[]): SimProcess[] {
    const tests = selectors.map((s) => ({ group: fnmatchToRegExp(s.group || '*'), process: fnmatchToRegExp(s.process || '*') }));
    return this.processes.filter((p) => tests.some((t) => t.group.test(p.group) && t.process.test(p.name)));
  }

  /** The next edge of the flood: each process walks the whole cycle before the next one starts. */
  nextFloodChange(): SimChange {
    const step = this.floodCursor % FLOOD_CYCLE.length;
    const process = this.processes[Math.floor(this.floodCursor / FLOOD_CYCLE.length) % this.processes.length]!;
    this.floodCursor++;
    return this.move(process, process.state, FLOOD_CYCLE[step]![1]);
  }

  /** Stop then start, as a real restart reports it: STOPPING, the exit, STOPPED, STARTING, RUNNING. */
  restart(p: SimProcess): { changes: SimChange[]; result: SimResult } {
    const changes = p.state === 'RUNNING' ? this.stopChanges(p) : [];
    changes.push(...this.startChanges(p));
    return { changes, result: ok(p) };
  }

  start(p: SimProcess): { changes: SimChange[]; result: SimResult } {
    if (p.state === 'RUNNING') return { changes: [], result: fault(p, 'ALREADY_STARTED') };
    return { changes: this.startChanges(p), result: ok(p) };
  }

  stop(p: SimProcess): { changes: SimChange[]; result: SimResult } {
    if (p.state !== 'RUNNING') return { changes: [], result: fault(p, 'NOT_RUNNING') };
    return { changes: this.stopChanges(p), result: ok(p) };
  }

  signal(p: SimProcess): SimResult {
    return p.state === 'RUNNING' ? ok(p) : fault(p, 'NOT_RUNNING');
  }

  private stopChanges(p: SimProcess): SimChange[] {
    const pid = p.pid;
    const changes = [this.move(p, 'RUNNING', 'STOPPING')];
    changes.push({ kind: 'exit', process: p, pid, signal: 'SIGTERM', expected: true });
    p.exitStatus = -1;
    changes.push(this.move(p, 'STOPPING', 'STOPPED'));
    return changes;
  }

  private startChanges(p: SimProcess): SimChange[] {
    return [this.move(p, p.state, 'STARTING'), this.move(p, 'STARTING', 'RUNNING')];
  }

  private move(p: SimProcess, from: ProcessState, to: ProcessState): SimChange {
    const now = Math.floor(Date.now() / 1000);
    if (to === 'STARTING') {
      p.pid = this.nextPid();
      p.start = now;
    }
    if (to === 'STOPPED') {
      p.pid = 0;
      p.stop = now;
    }
    p.state = to;
    return { kind: 'transition', process: p, from, to, pid: p.pid, start: p.start, stop: p.stop, exitStatus: p.exitStatus };
  }
}

function ok(p: SimProcess): SimResult {
  return { group: p.group, name: p.name, code: 'SUCCESS', description: 'OK' };
}

function fault(p: SimProcess, code: ResultCode): SimResult {
  return { group: p.group, name: p.name, code, description: `${code}: ${p.group}:${p.name}` };
}
