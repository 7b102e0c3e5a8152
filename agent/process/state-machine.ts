/*
 * The process state machine of supervisord (supervisor/process.py, Subprocess), as one pure
 * function. reference/supervisor.md section 2 lists the edges; process.py is the ground truth.
 *
 *   STOPPED --start--> STARTING --up > startsecs (startsecs=0: at once)--> RUNNING --exits--> EXITED
 *                       |  |  ^                                            |                  |
 *                       |  |  +-- retry after 1 s, 2 s, 3 s ... -- BACKOFF |                  |
 *                       |  |                                      ^  |  |  |                  |
 *                       |  +-- spawn failed, or exited before ----+  |  |  |                  |
 *                       |      startsecs (whatever the exit code)    |  |  |                  |
 *                       |                   stop (no signal sent) ---+  |  |                  |
 *                       |                       --> STOPPED             |  |                  |
 *                       |        counter > startretries, or shutdown ---+  |                  |
 *                       |                       --> FATAL                  |                  |
 *                       +--stop: stopsignal--> STOPPING <--stop: stopsignal+                  |
 *                                              |  ^  every stopwaitsecs: SIGKILL; a child     |
 *                                              +--+  that survives it stays STOPPING          |
 *                                              +--child reaped--> STOPPED                     |
 *   STARTING <--autorestart=true, or =unexpected and the code is not in exitcodes----------+
 *            at once, or 1 s after the previous spawn when the child lived less than that
 *            (never while the agent shuts down)
 *   STARTING <--start-- EXITED, FATAL, STOPPED (autostart: only STOPPED and never started)
 *   STARTING, RUNNING, STOPPING --kill()/signal() fails with an errno other than ESRCH--> UNKNOWN
 *
 * The spawn itself runs off the JS thread: between `start` and its answer (`spawned` or
 * `spawn-failed`) a process is STARTING with pid 0. A stop then cannot signal anything yet:
 *   STARTING (pid 0) --stop--> STOPPING (pid 0) --spawned: stopsignal--> STOPPING (as above)
 *                                               --spawn-failed--> STOPPED
 * startsecs counts from the moment the child was created (`spawned.startedAt`), not from the
 * request, so a spawn that waited for a free thread never shortens it.
 *
 * Signals go to the process group when stopasgroup (stopsignal) or killasgroup (SIGKILL) is set.
 * The function never performs I/O and never reads a clock: time comes in as `now` (epoch ms),
 * and every side effect (spawn, signal, timers, log lines, state-change notices) is returned as
 * data for the ProcessRunner to perform. An event that has no edge from the current state
 * returns a typed Rejection instead of asserting, as process.py's _assertInState would.
 */
import type { ProcessState } from '../../common/process-state.js';
import type { LogLevel, ProcessConfig, SignalName } from '../config/types.js';
import type { ExitStatus } from './spawner.js';
import { decodeExit } from './exit-status.js';
import { autorestartDelay, backoffDecision, judgeExit, shouldAutorestart, startupElapsed } from './restart-policy.js';

/** Each timer belongs to one state and is cancelled when the process leaves it. */
export type TimerKind = 'startsecs' | 'backoff' | 'stopwait' | 'stop-report' | 'autorestart';

const TIMER_STATE: Record<TimerKind, ProcessState> = {
  startsecs: 'STARTING',
  backoff: 'BACKOFF',
  stopwait: 'STOPPING',
  'stop-report': 'STOPPING',
  autorestart: 'EXITED',
};

/** supervisord throttles `waiting for x to stop` to one line every 2 s (Subprocess.stop_report). */
export const STOP_REPORT_INTERVAL_MS = 2000;

export const EXITED_TOO_QUICKLY = 'Exited too quickly (process log may have details)';

/** What the machine remembers about one process (the fields of process.py's Subprocess). */
export interface ProcessSnapshot {
  readonly state: ProcessState;
  /** 0 when no child is alive. */
  readonly pid: number;
  /** Epoch ms of the last spawn attempt; 0 if never started. */
  readonly laststart: number;
  /** Epoch ms of the last reaped exit; 0 if never. */
  readonly laststop: number;
  /** Failed starts in a row (the BACKOFF counter). */
  readonly backoff: number;
  /** 0-255, or -1 for death by a signal; null until the first exit and after a too-quick exit. */
  readonly exitstatus: number | null;
  readonly spawnerr: string | null;
  /** A stop signal was sent; the next exit is a stop (STOPPING -> STOPPED). */
  readonly killing: boolean;
  /** The agent is shutting down or reloading: no autorestart, no BACKOFF retry, no autostart. */
  readonly shuttingDown: boolean;
  /** EXITED with the crash-loop guard's restart timer armed: a stop cancels it (EXITED -> STOPPED). */
  readonly restartPending: boolean;
}

export const INITIAL_SNAPSHOT: ProcessSnapshot = {
  state: 'STOPPED',
  pid: 0,
  laststart: 0,
  laststop: 0,
  backoff: 0,
  exitstatus: null,
  spawnerr: null,
  killing: false,
  shuttingDown: false,
  restartPending: false,
};

/** The part of a ProcessConfig the machine reads. */
export type MachineConfig = Pick<
  ProcessConfig,
  | 'name'
  | 'autostart'
  | 'startsecs'
  | 'startretries'
  | 'autorestart'
  | 'exitcodes'
  | 'stopsignal'
  | 'stopwaitsecs'
  | 'stopasgroup'
  | 'killasgroup'
>;

export type ProcessEvent =
  /** A start request (RPC, or `start all`). */
  | { type: 'start' }
  /** The agent starts (or a group is added): spawn if autostart and never started. */
  | { type: 'autostart' }
  /**
   * The runner's answer to a `spawn` effect. `startedAt`: epoch ms when the child was created,
   * which becomes laststart; absent, laststart stays the time of the request.
   */
  | { type: 'spawned'; pid: number; startedAt?: number }
  | { type: 'spawn-failed'; message: string }
  /** The Spawner reaped the child (SIGCHLD). */
  | { type: 'exited'; pid: number; status: ExitStatus }
  /** A timer scheduled by a `schedule` effect fired. */
  | { type: 'timer'; kind: TimerKind }
  /** An administrative stop; `report` when a caller waits for it (logs `waiting for x to stop`). */
  | { type: 'stop'; report: boolean }
  /** Send a signal without intending to stop (supervisorctl signal). */
  | { type: 'signal'; signal: SignalName }
  /** The runner's answer to a `signal` effect that the OS refused, with its errno code. */
  | { type: 'signal-failed'; purpose: 'kill' | 'signal'; signal: SignalName; code: string }
  /** Shutdown's group stop for a process in BACKOFF: straight to FATAL. */
  | { type: 'give-up' }
  /** The agent entered shutdown or reload; from now on nothing restarts. */
  | { type: 'shutdown' };

export type Effect =
  /** A state change to announce; `pid` is the child's at the time of the edge, `tries` the backoff counter. */
  | { type: 'transition'; from: ProcessState; to: ProcessState; pid: number; tries: number; expected?: boolean }
  /** Build the command and spawn it; answer with `spawned` or `spawn-failed`. */
  | { type: 'spawn' }
  /** Signal the child (or its process group); answer with `signal-failed` if the OS refuses. */
  | { type: 'signal'; pid: number; signal: SignalName; group: boolean; purpose: 'kill' | 'signal' }
  /** (Re)arm the timer of this kind; it answers with a `timer` event after `delayMs`. */
  | { type: 'schedule'; timer: TimerKind; delayMs: number }
  | { type: 'cancel'; timer: TimerKind }
  | { type: 'log'; level: LogLevel; message: string };

/**
 * Why an event was refused. The first four are the RPC faults the engine raises as they are;
 * IGNORED marks events that are legitimately stale (a timer or exit that lost a race, an autostart
 * that does not apply) and need no answer.
 */
export type RejectReason = 'ALREADY_STARTED' | 'NOT_RUNNING' | 'FAILED' | 'ABNORMAL_TERMINATION' | 'IGNORED';

export interface Rejection {
  readonly ok: false;
  readonly reason: RejectReason;
  readonly message: string;
}

export interface Accepted {
  readonly ok: true;
  readonly next: ProcessSnapshot;
  readonly effects: readonly Effect[];
}

export type TransitionResult = Accepted | Rejection;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Collects the next snapshot and the effects of one transition. */
class Draft {
  readonly s: Mutable<ProcessSnapshot>;
  readonly effects: Effect[] = [];

  constructor(
    snapshot: ProcessSnapshot,
    readonly config: MachineConfig,
    readonly now: number,
  ) {
    this.s = { ...snapshot };
  }

  /** Moves to `state`, cancelling the timers of the state left behind. */
  to(state: ProcessState, expected?: boolean): void {
    const from = this.s.state;
    for (const [timer, owner] of Object.entries(TIMER_STATE) as [TimerKind, ProcessState][]) {
      if (owner === from && owner !== state) this.effects.push({ type: 'cancel', timer });
    }
    if (state === 'BACKOFF') this.s.backoff += 1; // change_state() counts every entry into BACKOFF
    this.s.state = state;
    const edge: Effect = { type: 'transition', from, to: state, pid: this.s.pid, tries: this.s.backoff };
    this.effects.push(expected === undefined ? edge : { ...edge, expected });
  }

  log(level: LogLevel, message: string): void {
    this.effects.push({ type: 'log', level, message });
  }

  schedule(timer: TimerKind, delayMs: number): void {
    this.effects.push({ type: 'schedule', timer, delayMs: Math.max(0, delayMs) });
  }

  done(): Accepted {
    return { ok: true, next: this.s, effects: this.effects };
  }
}

function reject(reason: RejectReason, message: string): Rejection {
  return { ok: false, reason, message };
}

/**
 * Applies one event to one process. Returns the next snapshot and the effects to perform, in
 * order, or a Rejection when the event has no edge from the current state.
 */
export function transition(
  snapshot: ProcessSnapshot,
  event: ProcessEvent,
  config: MachineConfig,
  now: number,
): TransitionResult {
  const d = new Draft(snapshot, config, now);
  const name = config.name;
  const state = snapshot.state;
  switch (event.type) {
    case 'start':
      if (state === 'STOPPED' || state === 'EXITED' || state === 'FATAL') return beginStart(d).done();
      if (state === 'STARTING' || state === 'RUNNING' || state === 'BACKOFF') return reject('ALREADY_STARTED', name);
      if (state === 'UNKNOWN') return reject('FAILED', `${name} is in an unknown process state`);
      // STOPPING: spawn() refuses while the old child lives and startProcess reports ABNORMAL_TERMINATION.
      return reject('ABNORMAL_TERMINATION', `process '${name}' already running`);

    case 'autostart':
      if (state !== 'STOPPED' || snapshot.laststart !== 0 || !config.autostart || snapshot.shuttingDown) {
        return reject('IGNORED', `${name} is not to be autostarted`);
      }
      return beginStart(d).done();

    case 'spawned':
      if (!isSpawning(snapshot)) return reject('IGNORED', `${name} was not spawning`);
      d.s.pid = event.pid;
      if (event.startedAt !== undefined) d.s.laststart = event.startedAt;
      d.log('info', `spawned: '${name}' with pid ${event.pid}`);
      if (state === 'STOPPING') {
        // Stopped while the spawn was in flight: the stop's signal goes out now.
        sendKill(d, config.stopsignal, config.stopasgroup);
        return d.done();
      }
      if (config.startsecs === 0) return enterRunning(d).done();
      return scheduleStartsecs(d).done();

    case 'spawn-failed':
      if (!isSpawning(snapshot)) return reject('IGNORED', `${name} was not spawning`);
      d.s.spawnerr = event.message;
      d.log('info', `spawnerr: ${event.message}`);
      if (state === 'STOPPING') {
        // Stopped while the spawn was in flight, and nothing was spawned: the stop is complete.
        d.s.killing = false;
        d.to('STOPPED');
        return d.done();
      }
      d.to('BACKOFF');
      return decideBackoff(d).done();

    case 'exited':
      if (snapshot.pid === 0 || event.pid !== snapshot.pid) return reject('IGNORED', `pid ${event.pid} is not ${name}'s child`);
      return finish(d, event.status).done();

    case 'timer':
      return onTimer(d, event.kind);

    case 'stop':
      return onStop(d, event.report);

    case 'signal':
      if (state !== 'STARTING' && state !== 'RUNNING' && state !== 'STOPPING') return reject('NOT_RUNNING', name);
      if (snapshot.pid === 0) return reject('FAILED', `attempted to send ${name} sig ${event.signal} but it wasn't running`);
      d.log('debug', `sending ${name} (pid ${snapshot.pid}) sig ${event.signal}`);
      d.effects.push({ type: 'signal', pid: snapshot.pid, signal: event.signal, group: false, purpose: 'signal' });
      return d.done();

    case 'signal-failed':
      return onSignalFailed(d, event);

    case 'give-up':
      if (state !== 'BACKOFF') return reject('IGNORED', `${name} is not in BACKOFF`);
      d.s.backoff = 0;
      d.to('FATAL');
      return d.done();

    case 'shutdown':
      d.s.shuttingDown = true;
      if (d.s.restartPending) {
        d.s.restartPending = false;
        d.effects.push({ type: 'cancel', timer: 'autorestart' });
      }
      return d.done();
  }
}

/** A spawn is in flight: STARTING with no pid yet, or STOPPING because a stop came meanwhile. */
function isSpawning(s: ProcessSnapshot): boolean {
  return s.pid === 0 && (s.state === 'STARTING' || (s.state === 'STOPPING' && s.killing));
}

/** Subprocess.spawn() up to the fork: reset the per-run fields, enter STARTING, ask for a spawn. */
function beginStart(d: Draft): Draft {
  d.s.killing = false;
  d.s.restartPending = false;
  d.s.spawnerr = null;
  d.s.exitstatus = null;
  d.s.laststart = d.now;
  d.to('STARTING');
  d.effects.push({ type: 'spawn' });
  return d;
}

function enterRunning(d: Draft): Draft {
  d.s.backoff = 0;
  d.to('RUNNING');
  d.log(
    'info',
    `success: ${d.config.name} entered RUNNING state, process has stayed up for > than ${d.config.startsecs} seconds (startsecs)`,
  );
  return d;
}

function scheduleStartsecs(d: Draft): Draft {
  const up = startupElapsed(d.s.laststart, d.now, d.config.startsecs);
  if (up.running) return enterRunning(d);
  d.s.laststart = up.laststart;
  d.schedule('startsecs', up.waitMs);
  return d;
}

/** After an entry into BACKOFF: retry later, or give up at once when the retries are spent. */
function decideBackoff(d: Draft): Draft {
  const decision = backoffDecision(d.s.backoff, d.config.startretries);
  if (!decision.giveUp) {
    d.schedule('backoff', decision.delayMs);
    return d;
  }
  d.s.backoff = 0;
  d.to('FATAL');
  d.log('info', `gave up: ${d.config.name} entered FATAL state, too many start retries too quickly`);
  return d;
}

/** Subprocess.finish(): the child was reaped. */
function finish(d: Draft, status: ExitStatus): Draft {
  const { config, now } = d;
  const name = config.name;
  const { exitstatus, text } = decodeExit(status);
  const expected = config.exitcodes.includes(exitstatus);
  const judged = judgeExit(d.s.laststart, now, config.startsecs);
  if (judged.clockWentBack) {
    d.log(
      'warn',
      `process '${name}' (${d.s.pid}) laststart time is in the future, don't know how long process was running so assuming it did not exit too quickly`,
    );
  }
  d.s.laststop = now;

  if (d.s.killing) {
    // The result of a stop request: STOPPING -> STOPPED (or UNKNOWN -> STOPPED, see below).
    d.s.killing = false;
    d.s.exitstatus = exitstatus;
    d.to('STOPPED', expected);
    d.s.pid = 0;
    d.log(expected ? 'info' : 'warn', `stopped: ${name} (${text})`);
    return d;
  }

  if (judged.verdict === 'too-quick' && d.s.state === 'STARTING') {
    d.s.exitstatus = null;
    d.s.spawnerr = EXITED_TOO_QUICKLY;
    d.to('BACKOFF', false);
    d.s.pid = 0;
    d.log('warn', `exited: ${name} (${text}; not expected)`);
    return decideBackoff(d);
  }

  // Exited by itself after startsecs (or with startsecs=0): RUNNING -> EXITED. A process still
  // STARTING (its startsecs timer had not fired yet) passes through RUNNING, as in finish().
  // supervisord asserts RUNNING here; a process in UNKNOWN whose child exits goes to EXITED too,
  // rather than crashing the daemon.
  d.s.backoff = 0;
  d.s.exitstatus = exitstatus;
  if (d.s.state === 'STARTING') d.to('RUNNING');
  const fromRunning = d.s.state === 'RUNNING';
  if (!expected) d.s.spawnerr = `Bad exit code ${exitstatus}`;
  d.to('EXITED', expected);
  d.s.pid = 0;
  d.log(expected ? 'info' : 'warn', `exited: ${name} (${text}; ${expected ? 'expected' : 'not expected'})`);
  if (fromRunning && shouldAutorestart(config.autorestart, expected, d.s.shuttingDown)) {
    const delayMs = autorestartDelay(d.s.laststart, now);
    if (delayMs === 0) beginStart(d);
    else {
      d.s.restartPending = true;
      d.schedule('autorestart', delayMs);
    }
  }
  return d;
}

function onTimer(d: Draft, kind: TimerKind): TransitionResult {
  const { config } = d;
  const s = d.s;
  if (TIMER_STATE[kind] !== s.state) return reject('IGNORED', `stale ${kind} timer for ${config.name}`);
  switch (kind) {
    case 'startsecs':
      if (s.pid === 0) return reject('IGNORED', `stale ${kind} timer for ${config.name}`);
      return scheduleStartsecs(d).done();
    case 'backoff':
      // While shutting down a BACKOFF process waits for its group's turn, then gives up.
      if (s.shuttingDown) return reject('IGNORED', `${config.name} is not retried during shutdown`);
      return beginStart(d).done();
    case 'stopwait':
      // Subprocess.transition(): the child outlived stopwaitsecs. kill() re-arms the deadline, so a
      // child that survives SIGKILL gets it again every stopwaitsecs and stays STOPPING.
      d.log('warn', `killing '${config.name}' (${s.pid}) with SIGKILL`);
      sendKill(d, 'SIGKILL', config.killasgroup);
      return d.done();
    case 'autorestart':
      if (s.shuttingDown) return reject('IGNORED', `${config.name} is not restarted during shutdown`);
      return beginStart(d).done();
    case 'stop-report':
      d.log('info', `waiting for ${config.name} to stop`);
      d.schedule('stop-report', STOP_REPORT_INTERVAL_MS);
      return d.done();
  }
}

/** Subprocess.kill() from STARTING/RUNNING/STOPPING: signal, arm stopwaitsecs, enter STOPPING. */
function sendKill(d: Draft, signal: SignalName, group: boolean): void {
  const pid = d.s.pid;
  d.log('debug', `killing ${d.config.name} (pid ${pid}) ${group ? 'process group ' : ''}with signal ${signal}`);
  d.s.killing = true;
  d.schedule('stopwait', d.config.stopwaitsecs * 1000);
  if (d.s.state !== 'STOPPING') d.to('STOPPING');
  d.effects.push({ type: 'signal', pid, signal, group, purpose: 'kill' });
}

function onStop(d: Draft, report: boolean): TransitionResult {
  const { config } = d;
  const s = d.s;
  if (s.state === 'BACKOFF') {
    // No child to signal: BACKOFF -> STOPPED at once, so a long retry series never blocks a stop.
    d.log('debug', `Attempted to kill ${config.name}, which is in BACKOFF state.`);
    d.to('STOPPED');
    return d.done();
  }
  if (s.state === 'EXITED' && s.restartPending) {
    // The crash-loop guard holds a restart: the stop cancels it, so the process stays down
    // (supervisord would answer NOT_RUNNING and restart it on its next tick anyway).
    d.s.restartPending = false;
    d.to('STOPPED');
    return d.done();
  }
  if (s.state !== 'STARTING' && s.state !== 'RUNNING') return reject('NOT_RUNNING', config.name);
  if (s.pid === 0 && s.state === 'STARTING') {
    // The spawn is in flight: STOPPING now, the signal when the child exists (see `spawned`).
    d.s.killing = true;
    d.to('STOPPING');
  } else if (s.pid === 0) {
    return reject('FAILED', `attempted to kill ${config.name} with sig ${config.stopsignal} but it wasn't running`);
  } else {
    sendKill(d, config.stopsignal, config.stopasgroup);
  }
  if (report) {
    d.log('info', `waiting for ${config.name} to stop`);
    d.schedule('stop-report', STOP_REPORT_INTERVAL_MS);
  }
  return d.done();
}

function onSignalFailed(d: Draft, event: Extract<ProcessEvent, { type: 'signal-failed' }>): TransitionResult {
  const { config } = d;
  const s = d.s;
  if (s.pid === 0 || (s.state !== 'STARTING' && s.state !== 'RUNNING' && s.state !== 'STOPPING')) {
    return reject('IGNORED', `${config.name} has no child to signal`);
  }
  if (event.code === 'ESRCH') {
    // The child exited on its own meanwhile; the exit notification will settle the state.
    const when = event.purpose === 'kill' ? 'just exited' : 'just now exited';
    d.log('debug', `unable to signal ${config.name} (pid ${s.pid}), it probably ${when} on its own: [Errno 3] No such process`);
    return d.done();
  }
  if (event.purpose === 'kill') {
    d.log('critical', `unknown problem killing ${config.name} (${s.pid}):${event.code}`);
    d.s.killing = false;
  } else {
    d.log('critical', `unknown problem sending sig ${config.name} (${s.pid}):${event.code}`);
  }
  d.to('UNKNOWN');
  return d.done();
}
