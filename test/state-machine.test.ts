import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  INITIAL_SNAPSHOT,
  transition,
  type Effect,
  type MachineConfig,
  type ProcessEvent,
  type ProcessSnapshot,
  type RejectReason,
} from '../agent/process/state-machine.js';
import { LEVEL_NAMES } from '../agent/logs/log-levels.js';
import { program } from './helpers/process-config.js';

// One row per edge of reference/supervisor.md section 2.1 and per timing rule of 2.2. Effects are
// summarised as text so each row shows, in order, the state changes, the signals, the timers and
// the activity-log lines (with supervisord's level names) that the edge produces.

const T0 = 1_700_000_000_000;
const PID = 4242;

/** A program with supervisord's defaults, as the machine reads it. */
const BASE: MachineConfig = program('x', '/bin/true');


function summarize(effects: readonly Effect[]): string[] {
  return effects.map((e) => {
    switch (e.type) {
      case 'transition':
        return `${e.from} -> ${e.to}`;
      case 'spawn':
        return 'spawn';
      case 'signal':
        return `signal ${e.signal} to ${e.group ? 'group ' : ''}${e.pid}`;
      case 'schedule':
        return `schedule ${e.timer} ${e.delayMs}`;
      case 'cancel':
        return `cancel ${e.timer}`;
      case 'log':
        return `${LEVEL_NAMES[e.level]} ${e.message}`;
    }
  });
}

interface Row {
  title: string;
  from: Partial<ProcessSnapshot>;
  event: ProcessEvent;
  config?: Partial<MachineConfig>;
  now?: number;
  /** Fields of the next snapshot to check. */
  next?: Partial<ProcessSnapshot>;
  effects?: string[];
  rejected?: RejectReason;
}

const starting = { state: 'STARTING', pid: PID, laststart: T0 } as const;
const running = { state: 'RUNNING', pid: PID, laststart: T0 } as const;
const stopping = { state: 'STOPPING', pid: PID, laststart: T0, killing: true } as const;
const exit = (code: number): ProcessEvent => ({
  type: 'exited',
  pid: PID,
  status: { code, signal: null, coreDumped: false },
});
const killedBy = (signal: NodeJS.Signals, coreDumped = false): ProcessEvent => ({
  type: 'exited',
  pid: PID,
  status: { code: null, signal, coreDumped },
});
const EXITED = 'Exited too quickly (process log may have details)';
const SUCCESS = 'INFO success: x entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)';

const starts: Row[] = [
  {
    title: 'a start request moves a STOPPED process to STARTING and asks for a spawn',
    from: {},
    event: { type: 'start' },
    now: T0,
    next: { state: 'STARTING', laststart: T0, pid: 0 },
    effects: ['STOPPED -> STARTING', 'spawn'],
  },
  {
    title: 'autostart spawns a process that was never started',
    from: {},
    event: { type: 'autostart' },
    next: { state: 'STARTING' },
    effects: ['STOPPED -> STARTING', 'spawn'],
  },
  {
    title: 'autostart leaves alone a STOPPED process that was started before',
    from: { laststart: T0 - 5000 },
    event: { type: 'autostart' },
    rejected: 'IGNORED',
  },
  {
    title: 'autostart leaves alone a process with autostart=false',
    from: {},
    config: { autostart: false },
    event: { type: 'autostart' },
    rejected: 'IGNORED',
  },
  {
    title: 'autostart spawns nothing while the agent shuts down',
    from: { shuttingDown: true },
    event: { type: 'autostart' },
    rejected: 'IGNORED',
  },
  {
    title: 'a start request restarts an EXITED process and clears its last error',
    from: { state: 'EXITED', laststart: T0 - 9000, exitstatus: 1, spawnerr: 'Bad exit code 1' },
    event: { type: 'start' },
    next: { state: 'STARTING', spawnerr: null, exitstatus: null, laststart: T0 },
    effects: ['cancel autorestart', 'EXITED -> STARTING', 'spawn'],
  },
  {
    title: 'a start request restarts a FATAL process',
    from: { state: 'FATAL', laststart: T0 - 9000, spawnerr: EXITED },
    event: { type: 'start' },
    next: { state: 'STARTING', spawnerr: null },
    effects: ['FATAL -> STARTING', 'spawn'],
  },
  { title: 'a start request in STARTING is ALREADY_STARTED', from: starting, event: { type: 'start' }, rejected: 'ALREADY_STARTED' },
  { title: 'a start request in RUNNING is ALREADY_STARTED', from: running, event: { type: 'start' }, rejected: 'ALREADY_STARTED' },
  {
    title: 'a start request in BACKOFF is ALREADY_STARTED, because BACKOFF counts as running',
    from: { state: 'BACKOFF', backoff: 1 },
    event: { type: 'start' },
    rejected: 'ALREADY_STARTED',
  },
  { title: 'a start request in UNKNOWN FAILS', from: { state: 'UNKNOWN', pid: PID }, event: { type: 'start' }, rejected: 'FAILED' },
  {
    title: 'a start request in STOPPING is an ABNORMAL_TERMINATION, since the old child still lives',
    from: stopping,
    event: { type: 'start' },
    rejected: 'ABNORMAL_TERMINATION',
  },
];

const spawning: Row[] = [
  {
    title: 'a spawned child is logged and its startsecs timer armed for just past startsecs',
    from: { state: 'STARTING', laststart: T0 },
    event: { type: 'spawned', pid: PID },
    now: T0 + 5,
    next: { state: 'STARTING', pid: PID },
    effects: [`INFO spawned: 'x' with pid ${PID}`, 'schedule startsecs 996'],
  },
  {
    title: 'with startsecs=0 a spawned child is RUNNING at once',
    from: { state: 'STARTING', laststart: T0 },
    config: { startsecs: 0 },
    event: { type: 'spawned', pid: PID },
    next: { state: 'RUNNING', pid: PID, backoff: 0 },
    effects: [
      `INFO spawned: 'x' with pid ${PID}`,
      'cancel startsecs',
      'STARTING -> RUNNING',
      'INFO success: x entered RUNNING state, process has stayed up for > than 0 seconds (startsecs)',
    ],
  },
  {
    title: 'startsecs counts from when the child was created, not from the start request',
    from: { state: 'STARTING', laststart: T0 },
    event: { type: 'spawned', pid: PID, startedAt: T0 + 300 },
    now: T0 + 305,
    next: { state: 'STARTING', pid: PID, laststart: T0 + 300 },
    effects: [`INFO spawned: 'x' with pid ${PID}`, 'schedule startsecs 996'],
  },
  {
    title: 'a spawn report for a process that is not spawning is ignored',
    from: running,
    event: { type: 'spawned', pid: 7 },
    rejected: 'IGNORED',
  },
  {
    title: 'a spawn failure moves STARTING to BACKOFF and retries after 1 s',
    from: { state: 'STARTING', laststart: T0 },
    event: { type: 'spawn-failed', message: "can't find command 'nope'" },
    next: { state: 'BACKOFF', backoff: 1, spawnerr: "can't find command 'nope'" },
    effects: ["INFO spawnerr: can't find command 'nope'", 'cancel startsecs', 'STARTING -> BACKOFF', 'schedule backoff 1000'],
  },
  {
    title: 'the third failed start in a row waits 3 s before the next attempt',
    from: { state: 'STARTING', laststart: T0, backoff: 2 },
    event: { type: 'spawn-failed', message: 'boom' },
    next: { state: 'BACKOFF', backoff: 3 },
    effects: ['INFO spawnerr: boom', 'cancel startsecs', 'STARTING -> BACKOFF', 'schedule backoff 3000'],
  },
  {
    title: 'a failed start after 1 + startretries attempts gives up: BACKOFF -> FATAL',
    from: { state: 'STARTING', laststart: T0, backoff: 3 },
    event: { type: 'spawn-failed', message: 'boom' },
    next: { state: 'FATAL', backoff: 0, spawnerr: 'boom' },
    effects: [
      'INFO spawnerr: boom',
      'cancel startsecs',
      'STARTING -> BACKOFF',
      'cancel backoff',
      'BACKOFF -> FATAL',
      'INFO gave up: x entered FATAL state, too many start retries too quickly',
    ],
  },
  {
    title: 'with startretries=0 the first failed start is FATAL',
    from: { state: 'STARTING', laststart: T0 },
    config: { startretries: 0 },
    event: { type: 'spawn-failed', message: 'boom' },
    next: { state: 'FATAL' },
    effects: [
      'INFO spawnerr: boom',
      'cancel startsecs',
      'STARTING -> BACKOFF',
      'cancel backoff',
      'BACKOFF -> FATAL',
      'INFO gave up: x entered FATAL state, too many start retries too quickly',
    ],
  },
  {
    title: 'the backoff timer retries: BACKOFF -> STARTING, keeping the counter',
    from: { state: 'BACKOFF', backoff: 2, laststart: T0 - 3000, spawnerr: 'boom' },
    event: { type: 'timer', kind: 'backoff' },
    next: { state: 'STARTING', backoff: 2, laststart: T0, spawnerr: null },
    effects: ['cancel backoff', 'BACKOFF -> STARTING', 'spawn'],
  },
  {
    title: 'the backoff timer does not retry while the agent shuts down',
    from: { state: 'BACKOFF', backoff: 1, shuttingDown: true },
    event: { type: 'timer', kind: 'backoff' },
    rejected: 'IGNORED',
  },
];

const startup: Row[] = [
  {
    title: 'a child up for more than startsecs is RUNNING and its backoff counter resets',
    from: { ...starting, backoff: 2 },
    event: { type: 'timer', kind: 'startsecs' },
    now: T0 + 1001,
    next: { state: 'RUNNING', backoff: 0 },
    effects: ['cancel startsecs', 'STARTING -> RUNNING', SUCCESS],
  },
  {
    title: 'startsecs is strict: at exactly startsecs the process stays STARTING for 1 ms more',
    from: starting,
    event: { type: 'timer', kind: 'startsecs' },
    now: T0 + 1000,
    next: { state: 'STARTING' },
    effects: ['schedule startsecs 1'],
  },
  {
    title: 'a clock that went back restarts the startsecs wait from now',
    from: starting,
    event: { type: 'timer', kind: 'startsecs' },
    now: T0 - 5000,
    next: { state: 'STARTING', laststart: T0 - 5000 },
    effects: ['schedule startsecs 1001'],
  },
  {
    title: 'an exit before startsecs is too quick: STARTING -> BACKOFF, whatever the exit code',
    from: starting,
    event: exit(0),
    now: T0 + 500,
    next: { state: 'BACKOFF', pid: 0, backoff: 1, exitstatus: null, spawnerr: 'Exited too quickly (process log may have details)', laststop: T0 + 500 },
    effects: ['cancel startsecs', 'STARTING -> BACKOFF', 'WARN exited: x (exit status 0; not expected)', 'schedule backoff 1000'],
  },
  {
    title: 'a too-quick exit after the retries are spent is FATAL',
    from: { ...starting, backoff: 3 },
    event: exit(1),
    now: T0 + 10,
    next: { state: 'FATAL', backoff: 0, pid: 0 },
    effects: [
      'cancel startsecs',
      'STARTING -> BACKOFF',
      'WARN exited: x (exit status 1; not expected)',
      'cancel backoff',
      'BACKOFF -> FATAL',
      'INFO gave up: x entered FATAL state, too many start retries too quickly',
    ],
  },
  {
    title: 'an exit from STARTING at startsecs, before its timer fired, passes through RUNNING to EXITED',
    from: starting,
    event: exit(1),
    now: T0 + 1000,
    next: { state: 'STARTING', pid: 0, laststart: T0 + 1000 },
    effects: [
      'cancel startsecs',
      'STARTING -> RUNNING',
      'RUNNING -> EXITED',
      'WARN exited: x (exit status 1; not expected)',
      'cancel autorestart', 'EXITED -> STARTING',
      'spawn',
    ],
  },
  {
    title: 'with startsecs=0 an immediate exit is RUNNING -> EXITED, never BACKOFF',
    from: running,
    config: { startsecs: 0, autorestart: 'false' },
    event: exit(1),
    now: T0,
    next: { state: 'EXITED', exitstatus: 1, spawnerr: 'Bad exit code 1', backoff: 0 },
    effects: ['RUNNING -> EXITED', 'WARN exited: x (exit status 1; not expected)'],
  },
  {
    title: 'with startsecs=0 an immediate failing exit never reaches FATAL; its restart waits until 1 s after the last spawn',
    from: { ...running, backoff: 0 },
    config: { startsecs: 0 },
    event: exit(1),
    now: T0 + 300,
    next: { state: 'EXITED', backoff: 0, restartPending: true },
    effects: ['RUNNING -> EXITED', 'WARN exited: x (exit status 1; not expected)', 'schedule autorestart 700'],
  },
  {
    title: 'the crash-loop restart timer starts the process again',
    from: { state: 'EXITED', laststart: T0, exitstatus: 1, spawnerr: 'Bad exit code 1' },
    event: { type: 'timer', kind: 'autorestart' },
    now: T0 + 1000,
    next: { state: 'STARTING', laststart: T0 + 1000, spawnerr: null },
    effects: ['cancel autorestart', 'EXITED -> STARTING', 'spawn'],
  },
  {
    title: 'a crash-loop restart timer that fires during shutdown is ignored',
    from: { state: 'EXITED', laststart: T0, exitstatus: 1, shuttingDown: true },
    event: { type: 'timer', kind: 'autorestart' },
    rejected: 'IGNORED',
  },
  {
    title: 'a stop during the crash-loop wait cancels the restart: EXITED -> STOPPED, no signal',
    from: { state: 'EXITED', laststart: T0, exitstatus: 1, restartPending: true },
    event: { type: 'stop', report: true },
    now: T0 + 200,
    next: { state: 'STOPPED', restartPending: false },
    effects: ['cancel autorestart', 'EXITED -> STOPPED'],
  },
  {
    title: 'a stop of an EXITED process with no restart pending is NOT_RUNNING',
    from: { state: 'EXITED', laststart: T0, exitstatus: 1 },
    event: { type: 'stop', report: true },
    rejected: 'NOT_RUNNING',
  },
  {
    title: 'shutdown cancels a pending crash-loop restart',
    from: { state: 'EXITED', laststart: T0, exitstatus: 1, restartPending: true },
    event: { type: 'shutdown' },
    next: { state: 'EXITED', shuttingDown: true, restartPending: false },
    effects: ['cancel autorestart'],
  },
  {
    title: 'a start request during the crash-loop wait starts at once and the wait is cancelled',
    from: { state: 'EXITED', laststart: T0, exitstatus: 1, spawnerr: 'Bad exit code 1' },
    event: { type: 'start' },
    now: T0 + 200,
    next: { state: 'STARTING', laststart: T0 + 200 },
    effects: ['cancel autorestart', 'EXITED -> STARTING', 'spawn'],
  },
  {
    title: 'a laststart in the future is warned about and not counted as too quick',
    from: { ...starting, laststart: T0 + 60_000 },
    config: { autorestart: 'false' },
    event: exit(0),
    now: T0,
    next: { state: 'EXITED' },
    effects: [
      `WARN process 'x' (${PID}) laststart time is in the future, don't know how long process was running so assuming it did not exit too quickly`,
      'cancel startsecs',
      'STARTING -> RUNNING',
      'RUNNING -> EXITED',
      'INFO exited: x (exit status 0; expected)',
    ],
  },
];

const exits: Row[] = [
  {
    title: 'an expected exit from RUNNING is EXITED and not restarted under autorestart=unexpected',
    from: { ...running, backoff: 1 },
    event: exit(0),
    now: T0 + 5000,
    next: { state: 'EXITED', pid: 0, exitstatus: 0, spawnerr: null, backoff: 0, laststop: T0 + 5000 },
    effects: ['RUNNING -> EXITED', 'INFO exited: x (exit status 0; expected)'],
  },
  {
    title: 'an unexpected exit from RUNNING restarts at once under autorestart=unexpected',
    from: running,
    event: exit(1),
    now: T0 + 5000,
    next: { state: 'STARTING', pid: 0, laststart: T0 + 5000, spawnerr: null },
    effects: ['RUNNING -> EXITED', 'WARN exited: x (exit status 1; not expected)', 'cancel autorestart', 'EXITED -> STARTING', 'spawn'],
  },
  {
    title: 'autorestart=true restarts after an expected exit too',
    from: running,
    config: { autorestart: 'true' },
    event: exit(0),
    now: T0 + 5000,
    next: { state: 'STARTING' },
    effects: ['RUNNING -> EXITED', 'INFO exited: x (exit status 0; expected)', 'cancel autorestart', 'EXITED -> STARTING', 'spawn'],
  },
  {
    title: 'autorestart=false never restarts, and an unexpected exit records Bad exit code N',
    from: running,
    config: { autorestart: 'false' },
    event: exit(2),
    now: T0 + 5000,
    next: { state: 'EXITED', exitstatus: 2, spawnerr: 'Bad exit code 2' },
    effects: ['RUNNING -> EXITED', 'WARN exited: x (exit status 2; not expected)'],
  },
  {
    title: 'an exit code listed in exitcodes is expected',
    from: running,
    config: { exitcodes: [0, 3] },
    event: exit(3),
    now: T0 + 5000,
    next: { state: 'EXITED', exitstatus: 3, spawnerr: null },
    effects: ['RUNNING -> EXITED', 'INFO exited: x (exit status 3; expected)'],
  },
  {
    title: 'death by a signal is never expected and records exit status -1',
    from: running,
    config: { autorestart: 'false' },
    event: killedBy('SIGKILL'),
    now: T0 + 5000,
    next: { state: 'EXITED', exitstatus: -1, spawnerr: 'Bad exit code -1' },
    effects: ['RUNNING -> EXITED', 'WARN exited: x (terminated by SIGKILL; not expected)'],
  },
  {
    title: 'a core dump is named in the exit text',
    from: running,
    config: { autorestart: 'false' },
    event: killedBy('SIGSEGV', true),
    now: T0 + 5000,
    effects: ['RUNNING -> EXITED', 'WARN exited: x (terminated by SIGSEGV (core dumped); not expected)'],
  },
  {
    title: 'nothing restarts while the agent shuts down',
    from: { ...running, shuttingDown: true },
    config: { autorestart: 'true' },
    event: exit(1),
    now: T0 + 5000,
    next: { state: 'EXITED' },
    effects: ['RUNNING -> EXITED', 'WARN exited: x (exit status 1; not expected)'],
  },
  {
    title: 'an exit of a pid that is not the current child is ignored',
    from: running,
    event: { type: 'exited', pid: PID + 1, status: { code: 0, signal: null, coreDumped: false } },
    rejected: 'IGNORED',
  },
];

const stops: Row[] = [
  {
    title: 'a stop of a RUNNING process sends stopsignal and arms stopwaitsecs',
    from: running,
    event: { type: 'stop', report: false },
    next: { state: 'STOPPING', killing: true, pid: PID },
    effects: [`DEBG killing x (pid ${PID}) with signal SIGTERM`, 'schedule stopwait 10000', 'RUNNING -> STOPPING', `signal SIGTERM to ${PID}`],
  },
  {
    title: 'a stop of a STARTING process cancels its startsecs timer',
    from: starting,
    config: { stopsignal: 'SIGINT', stopwaitsecs: 3 },
    event: { type: 'stop', report: false },
    next: { state: 'STOPPING' },
    effects: [
      `DEBG killing x (pid ${PID}) with signal SIGINT`,
      'schedule stopwait 3000',
      'cancel startsecs',
      'STARTING -> STOPPING',
      `signal SIGINT to ${PID}`,
    ],
  },
  {
    title: 'a stop while the spawn is in flight enters STOPPING and signals nothing yet',
    from: { state: 'STARTING', laststart: T0 },
    event: { type: 'stop', report: true },
    next: { state: 'STOPPING', killing: true, pid: 0 },
    effects: ['cancel startsecs', 'STARTING -> STOPPING', 'INFO waiting for x to stop', 'schedule stop-report 2000'],
  },
  {
    title: 'a child spawned after a stop request gets stopsignal at once and stopwaitsecs starts',
    from: { state: 'STOPPING', laststart: T0, killing: true },
    event: { type: 'spawned', pid: PID, startedAt: T0 + 2 },
    now: T0 + 3,
    next: { state: 'STOPPING', killing: true, pid: PID, laststart: T0 + 2 },
    effects: [
      `INFO spawned: 'x' with pid ${PID}`,
      `DEBG killing x (pid ${PID}) with signal SIGTERM`,
      'schedule stopwait 10000',
      `signal SIGTERM to ${PID}`,
    ],
  },
  {
    title: 'a spawn that fails after a stop request leaves the process STOPPED with its spawnerr',
    from: { state: 'STOPPING', laststart: T0, killing: true },
    event: { type: 'spawn-failed', message: "too many open files to spawn 'x'" },
    next: { state: 'STOPPED', killing: false, pid: 0, backoff: 0, spawnerr: "too many open files to spawn 'x'" },
    effects: [
      "INFO spawnerr: too many open files to spawn 'x'",
      'cancel stopwait',
      'cancel stop-report',
      'STOPPING -> STOPPED',
    ],
  },
  {
    title: 'a spawn report in STOPPING is ignored once the child is known',
    from: stopping,
    event: { type: 'spawned', pid: PID + 1 },
    rejected: 'IGNORED',
  },
  {
    title: 'stopasgroup sends stopsignal to the whole process group',
    from: running,
    config: { stopasgroup: true, killasgroup: true },
    event: { type: 'stop', report: false },
    effects: [
      `DEBG killing x (pid ${PID}) process group with signal SIGTERM`,
      'schedule stopwait 10000',
      'RUNNING -> STOPPING',
      `signal SIGTERM to group ${PID}`,
    ],
  },
  {
    title: 'a stop someone waits for logs waiting for x to stop, then every 2 s',
    from: running,
    event: { type: 'stop', report: true },
    effects: [
      `DEBG killing x (pid ${PID}) with signal SIGTERM`,
      'schedule stopwait 10000',
      'RUNNING -> STOPPING',
      `signal SIGTERM to ${PID}`,
      'INFO waiting for x to stop',
      'schedule stop-report 2000',
    ],
  },
  {
    title: 'the stop report repeats while the child is STOPPING',
    from: stopping,
    event: { type: 'timer', kind: 'stop-report' },
    effects: ['INFO waiting for x to stop', 'schedule stop-report 2000'],
  },
  {
    title: 'after stopwaitsecs a STOPPING child gets SIGKILL, stays STOPPING and is killed again later',
    from: stopping,
    event: { type: 'timer', kind: 'stopwait' },
    next: { state: 'STOPPING', killing: true },
    effects: [
      `WARN killing 'x' (${PID}) with SIGKILL`,
      `DEBG killing x (pid ${PID}) with signal SIGKILL`,
      'schedule stopwait 10000',
      `signal SIGKILL to ${PID}`,
    ],
  },
  {
    title: 'killasgroup sends the final SIGKILL to the process group',
    from: stopping,
    config: { killasgroup: true },
    event: { type: 'timer', kind: 'stopwait' },
    effects: [
      `WARN killing 'x' (${PID}) with SIGKILL`,
      `DEBG killing x (pid ${PID}) process group with signal SIGKILL`,
      'schedule stopwait 10000',
      `signal SIGKILL to group ${PID}`,
    ],
  },
  {
    title: 'a reaped STOPPING child is STOPPED, logged at WARN when killed by a signal',
    from: stopping,
    event: killedBy('SIGTERM'),
    now: T0 + 7000,
    next: { state: 'STOPPED', pid: 0, killing: false, exitstatus: -1, laststop: T0 + 7000 },
    effects: ['cancel stopwait', 'cancel stop-report', 'STOPPING -> STOPPED', 'WARN stopped: x (terminated by SIGTERM)'],
  },
  {
    title: 'a stopped child whose exit status is in exitcodes is logged at INFO',
    from: stopping,
    event: exit(0),
    now: T0 + 7000,
    next: { state: 'STOPPED', exitstatus: 0 },
    effects: ['cancel stopwait', 'cancel stop-report', 'STOPPING -> STOPPED', 'INFO stopped: x (exit status 0)'],
  },
  {
    title: 'a stopped child is STOPPED even when it exits before startsecs, never BACKOFF',
    from: { ...stopping, laststart: T0 },
    event: killedBy('SIGKILL'),
    now: T0 + 10,
    next: { state: 'STOPPED' },
    effects: ['cancel stopwait', 'cancel stop-report', 'STOPPING -> STOPPED', 'WARN stopped: x (terminated by SIGKILL)'],
  },
  {
    title: 'a stop in BACKOFF goes straight to STOPPED without a signal',
    from: { state: 'BACKOFF', backoff: 2 },
    event: { type: 'stop', report: true },
    next: { state: 'STOPPED', backoff: 2 },
    effects: ['DEBG Attempted to kill x, which is in BACKOFF state.', 'cancel backoff', 'BACKOFF -> STOPPED'],
  },
  { title: 'a stop in STOPPED is NOT_RUNNING', from: {}, event: { type: 'stop', report: false }, rejected: 'NOT_RUNNING' },
  { title: 'a stop in EXITED is NOT_RUNNING', from: { state: 'EXITED' }, event: { type: 'stop', report: false }, rejected: 'NOT_RUNNING' },
  { title: 'a stop in FATAL is NOT_RUNNING', from: { state: 'FATAL' }, event: { type: 'stop', report: false }, rejected: 'NOT_RUNNING' },
  { title: 'a stop in STOPPING is NOT_RUNNING, as stopProcess says', from: stopping, event: { type: 'stop', report: false }, rejected: 'NOT_RUNNING' },
  {
    title: 'shutdown gives up on a BACKOFF process: BACKOFF -> FATAL without a log line',
    from: { state: 'BACKOFF', backoff: 2 },
    event: { type: 'give-up' },
    next: { state: 'FATAL', backoff: 0 },
    effects: ['cancel backoff', 'BACKOFF -> FATAL'],
  },
  { title: 'a give-up outside BACKOFF is ignored', from: running, event: { type: 'give-up' }, rejected: 'IGNORED' },
  {
    title: 'the shutdown notice only marks the snapshot',
    from: running,
    event: { type: 'shutdown' },
    next: { state: 'RUNNING', shuttingDown: true },
    effects: [],
  },
];

const signals: Row[] = [
  {
    title: 'a signal request reaches the child alone, never its group',
    from: running,
    config: { stopasgroup: true, killasgroup: true },
    event: { type: 'signal', signal: 'SIGHUP' },
    next: { state: 'RUNNING' },
    effects: [`DEBG sending x (pid ${PID}) sig SIGHUP`, `signal SIGHUP to ${PID}`],
  },
  {
    title: 'a signal request reaches a STOPPING child',
    from: stopping,
    event: { type: 'signal', signal: 'SIGUSR1' },
    effects: [`DEBG sending x (pid ${PID}) sig SIGUSR1`, `signal SIGUSR1 to ${PID}`],
  },
  { title: 'a signal request in BACKOFF is NOT_RUNNING', from: { state: 'BACKOFF' }, event: { type: 'signal', signal: 'SIGHUP' }, rejected: 'NOT_RUNNING' },
  { title: 'a signal request in STOPPED is NOT_RUNNING', from: {}, event: { type: 'signal', signal: 'SIGHUP' }, rejected: 'NOT_RUNNING' },
  {
    title: 'ESRCH from a stop signal leaves the state to the exit notification',
    from: stopping,
    event: { type: 'signal-failed', purpose: 'kill', signal: 'SIGTERM', code: 'ESRCH' },
    next: { state: 'STOPPING', killing: true },
    effects: [`DEBG unable to signal x (pid ${PID}), it probably just exited on its own: [Errno 3] No such process`],
  },
  {
    title: 'any other error from a stop signal makes the process UNKNOWN',
    from: stopping,
    event: { type: 'signal-failed', purpose: 'kill', signal: 'SIGTERM', code: 'EPERM' },
    next: { state: 'UNKNOWN', killing: false, pid: PID },
    effects: [`CRIT unknown problem killing x (${PID}):EPERM`, 'cancel stopwait', 'cancel stop-report', 'STOPPING -> UNKNOWN'],
  },
  {
    title: 'an error from a plain signal makes a RUNNING process UNKNOWN',
    from: running,
    event: { type: 'signal-failed', purpose: 'signal', signal: 'SIGHUP', code: 'EPERM' },
    next: { state: 'UNKNOWN' },
    effects: [`CRIT unknown problem sending sig x (${PID}):EPERM`, 'RUNNING -> UNKNOWN'],
  },
  {
    title: 'the child of an UNKNOWN process exiting makes it EXITED (supervisord would assert)',
    from: { state: 'UNKNOWN', pid: PID, laststart: T0 },
    config: { autorestart: 'true' },
    event: exit(0),
    now: T0 + 5000,
    next: { state: 'EXITED', pid: 0 },
    effects: ['UNKNOWN -> EXITED', 'INFO exited: x (exit status 0; expected)'],
  },
  {
    title: 'a timer of a state the process has left is ignored',
    from: running,
    event: { type: 'timer', kind: 'stopwait' },
    rejected: 'IGNORED',
  },
];


for (const [name, rows] of Object.entries({ starts, spawning, startup, exits, stops, signals })) {
  describe(`state machine: ${name}`, () => {
    for (const row of rows) {
      test(row.title, () => {
        const from: ProcessSnapshot = { ...INITIAL_SNAPSHOT, ...row.from };
        const result = transition(from, row.event, { ...BASE, ...row.config }, row.now ?? T0);
        if (row.rejected) {
          assert.equal(result.ok, false, 'expected a rejection');
          if (!result.ok) assert.equal(result.reason, row.rejected);
          return;
        }
        assert.ok(result.ok, `rejected: ${result.ok ? '' : `${result.reason} ${result.message}`}`);
        if (row.effects) assert.deepEqual(summarize(result.effects), row.effects);
        for (const [key, value] of Object.entries(row.next ?? {})) {
          assert.equal(result.next[key as keyof ProcessSnapshot], value, `next.${key}`);
        }
      });
    }
  });
}

describe('state machine: properties', () => {
  test('it never mutates the snapshot it is given', () => {
    const from: ProcessSnapshot = Object.freeze({ ...INITIAL_SNAPSHOT, ...running });
    const result = transition(from, exit(1), BASE, T0 + 5000);
    assert.ok(result.ok);
    assert.equal(from.state, 'RUNNING');
  });

  test('the default backoff series spawns 1 + startretries times at +1, +2, +3 s, then FATAL', () => {
    let s: ProcessSnapshot = INITIAL_SNAPSHOT;
    let now = T0;
    const spawnTimes: number[] = [];
    const step = (event: ProcessEvent): readonly Effect[] => {
      const r = transition(s, event, BASE, now);
      assert.ok(r.ok, `rejected ${JSON.stringify(event)}`);
      s = r.next;
      if (r.effects.some((e) => e.type === 'spawn')) spawnTimes.push(now);
      return r.effects;
    };
    step({ type: 'start' });
    for (;;) {
      const effects = step({ type: 'spawn-failed', message: "can't find command 'notfound'" });
      const retry = effects.find((e) => e.type === 'schedule');
      if (!retry || retry.type !== 'schedule') break;
      now += retry.delayMs;
      step({ type: 'timer', kind: 'backoff' });
    }
    assert.equal(s.state, 'FATAL');
    assert.deepEqual(
      spawnTimes.map((t) => t - T0),
      [0, 1000, 3000, 6000],
    );
  });

  test('every transition effect names an edge of reference section 2.1', () => {
    const legal = new Set([
      'STOPPED>STARTING', 'EXITED>STARTING', 'FATAL>STARTING', 'BACKOFF>STARTING',
      'STARTING>BACKOFF', 'STARTING>RUNNING', 'STARTING>STOPPING', 'RUNNING>STOPPING',
      'STOPPING>STOPPED', 'RUNNING>EXITED', 'BACKOFF>FATAL', 'BACKOFF>STOPPED',
      'STARTING>UNKNOWN', 'RUNNING>UNKNOWN', 'STOPPING>UNKNOWN', 'UNKNOWN>EXITED', 'UNKNOWN>STOPPED',
      // fleetvisor's one addition: a stop while the crash-loop guard holds a restart.
      'EXITED>STOPPED',
    ]);
    for (const rows of [starts, spawning, startup, exits, stops, signals]) {
      for (const row of rows) {
        const r = transition({ ...INITIAL_SNAPSHOT, ...row.from }, row.event, { ...BASE, ...row.config }, row.now ?? T0);
        if (!r.ok) continue;
        for (const e of r.effects) if (e.type === 'transition') assert.ok(legal.has(`${e.from}>${e.to}`), `${e.from} -> ${e.to}`);
      }
    }
  });
});
