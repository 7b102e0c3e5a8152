/**
 * One supervised process: holds its snapshot, feeds events to the pure state machine and
 * performs the effects it returns against the Spawner, its own timers, its ProcessLogs and the
 * activity log. It reacts only to events (a request, the Spawner's exit report, one of its
 * timers); nothing here polls, and an idle process owns no timer at all.
 */
import { closeSync } from 'node:fs';
import { FleetError, isFleetError } from '../../common/errors.js';
import { toInfoSeconds, describeProcess, type ProcessInfo } from '../../common/process-info.js';
import { processStateCode, type ProcessState } from '../../common/process-state.js';
import type { ProcessConfig } from '../config/types.js';
import type { Logger } from '../logs/logger.js';
import type { ProcessLogs } from '../logs/types.js';
import type { Clock } from './clock.js';
import type { EngineEventSink } from './events.js';
import { isExpectedExit } from './exit-status.js';
import type { ChildHandle, ExitStatus, SpawnOutcome, SpawnRequest, Spawner } from './spawner.js';
import {
  INITIAL_SNAPSHOT,
  transition,
  type Effect,
  type ProcessEvent,
  type ProcessSnapshot,
  type TimerKind,
  type TransitionResult,
} from './state-machine.js';

/** A state change as listeners see it, after the transition that made it is complete. */
export interface Edge {
  from: ProcessState;
  to: ProcessState;
  pid: number;
  expected?: boolean;
}

/** Where a runner registers the pids it spawns, so the engine can route the Spawner's exit reports. */
export interface PidTable {
  set(pid: number, runner: ProcessRunner): unknown;
  delete(pid: number): unknown;
}

export interface ProcessRunnerOptions {
  config: ProcessConfig;
  spawner: Spawner;
  /** Builds the request at each spawn; throws a FleetError whose message becomes the spawnerr. */
  prepareSpawn(config: ProcessConfig): SpawnRequest;
  logs: ProcessLogs;
  logger: Logger;
  events: EngineEventSink;
  clock: Clock;
  pids: PidTable;
}

/** supervisord's texts for a spawn the OS refused (Subprocess.spawn). */
function spawnFailureText(err: unknown, name: string): string {
  const code = (err as { cause?: { code?: unknown } } | null)?.cause?.code ?? (err as { code?: unknown } | null)?.code;
  if (code === 'EMFILE' || code === 'ENFILE') return `too many open files to spawn '${name}'`;
  if (code === 'EAGAIN') return `Too many processes in process table to spawn '${name}'`;
  if (typeof code === 'string') return `unknown error during fork for '${name}': ${code}`;
  return `unknown error during fork for '${name}': ${err instanceof Error ? err.message : String(err)}`;
}

/** Closes the output pipes of a child nobody will read. */
function releaseOutput(child: ChildHandle): void {
  const fds = child.takeOutputFds?.();
  if (fds) {
    closeSync(fds.stdout);
    if (fds.stderr !== null) closeSync(fds.stderr);
  } else {
    child.stdout.destroy();
    child.stderr?.destroy();
  }
  child.closeStdin();
}

export class ProcessRunner {
  private snap: ProcessSnapshot = INITIAL_SNAPSHOT;
  private readonly timers = new Map<TimerKind, unknown>();
  private readonly listeners = new Set<(edge: Edge) => void>();
  /** Answers from effects (spawned, spawn-failed, signal-failed), handled after the current transition. */
  private readonly pending: ProcessEvent[] = [];
  private child: ChildHandle | null = null;
  /** Resolvers of spawnSettled() calls, while a spawn is in flight; null when none is. */
  private spawnWaiters: Array<(created: boolean) => void> | null = null;
  private busy = false;
  private closed = false;
  private closing: Promise<void> | null = null;

  constructor(private readonly options: ProcessRunnerOptions) {}

  get config(): ProcessConfig {
    return this.options.config;
  }

  get logs(): ProcessLogs {
    return this.options.logs;
  }

  get snapshot(): ProcessSnapshot {
    return this.snap;
  }

  get state(): ProcessState {
    return this.snap.state;
  }

  /**
   * Subscribes to state changes. Listeners run after the transition (and the spawn or signal it
   * caused) has completed, so they may dispatch new events. Returns the unsubscribe function.
   */
  onEdge(listener: (edge: Edge) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Applies an event and performs its effects, then the events those effects answered with.
   * Returns the result for the event itself: a Rejection says why nothing happened.
   */
  dispatch(event: ProcessEvent): TransitionResult {
    if (this.closed) return { ok: false, reason: 'IGNORED', message: `${this.config.name} is closed` };
    if (this.busy) {
      // Only reachable from an EngineEventSink that calls back into the runner synchronously.
      this.pending.push(event);
      return { ok: true, next: this.snap, effects: [] };
    }
    this.busy = true;
    const edges: Edge[] = [];
    let first: TransitionResult | undefined;
    try {
      first = this.apply(event, edges);
      for (let next = this.pending.shift(); next; next = this.pending.shift()) this.apply(next, edges);
    } finally {
      this.busy = false;
    }
    for (const edge of edges) for (const listener of [...this.listeners]) listener(edge);
    return first;
  }

  /** The Spawner reaped this runner's child. */
  handleExit(pid: number, status: ExitStatus): void {
    const { config, events, clock, pids } = this.options;
    pids.delete(pid);
    if (this.child?.pid === pid) this.child = null;
    const expected = isExpectedExit(status, config.exitcodes);
    this.emit(() => events.emit({ type: 'exited', group: config.group, name: config.name, pid, time: clock.now(), status, expected }));
    this.dispatch({ type: 'exited', pid, status });
  }

  /**
   * Resolves once no spawn of this process is in flight: at once (true) when none is, otherwise
   * when its answer has been applied to the state, with whether it created a child.
   */
  spawnSettled(): Promise<boolean> {
    const waiters = this.spawnWaiters;
    if (!waiters) return Promise.resolve(true);
    return new Promise((resolve) => waiters.push(resolve));
  }

  /** Writes to the child's stdin: NOT_RUNNING without a child; the ChildHandle's errors otherwise. */
  writeStdin(data: Buffer): void {
    if (!this.child) throw new FleetError('NOT_RUNNING', this.config.name);
    this.child.writeStdin(data);
  }

  info(now: number): ProcessInfo {
    const s = this.snap;
    const base = {
      name: this.config.name,
      group: this.config.group,
      start: toInfoSeconds(s.laststart),
      stop: toInfoSeconds(s.laststop),
      now: toInfoSeconds(now),
      state: processStateCode(s.state),
      statename: s.state,
      spawnerr: s.spawnerr ?? '',
      exitstatus: s.exitstatus ?? 0,
      stdoutLogfile: this.logs.stdout.path ?? '',
      stderrLogfile: this.logs.stderr?.path ?? '',
      pid: s.pid,
    };
    return { ...base, description: describeProcess(base) };
  }

  /**
   * Cancels the timers, stops reacting to events and closes the logs. The child, if any, is
   * left alone: stopping it is the caller's decision. Idempotent.
   */
  close(): Promise<void> {
    if (!this.closing) {
      this.closed = true;
      for (const handle of this.timers.values()) this.options.clock.clearTimer(handle);
      this.timers.clear();
      this.listeners.clear();
      this.closing = this.logs.close();
    }
    return this.closing;
  }

  private apply(event: ProcessEvent, edges: Edge[]): TransitionResult {
    const result = transition(this.snap, event, this.config, this.options.clock.now());
    if (!result.ok) return result;
    this.snap = result.next;
    for (const effect of result.effects) this.perform(effect, edges);
    return result;
  }

  private perform(effect: Effect, edges: Edge[]): void {
    const { config, logger, events, clock } = this.options;
    switch (effect.type) {
      case 'transition': {
        const edge: Edge = { from: effect.from, to: effect.to, pid: effect.pid };
        if (effect.expected !== undefined) edge.expected = effect.expected;
        edges.push(edge);
        const time = clock.now();
        this.emit(() =>
          events.emit({ type: 'transition', group: config.group, name: config.name, time, tries: effect.tries, ...edge }),
        );
        return;
      }
      case 'log':
        logger.log(effect.level, effect.message);
        return;
      case 'spawn':
        this.spawn();
        return;
      case 'signal':
        this.signal(effect);
        return;
      case 'schedule': {
        this.cancelTimer(effect.timer);
        const handle = clock.setTimer(() => {
          this.timers.delete(effect.timer);
          this.dispatch({ type: 'timer', kind: effect.timer });
        }, effect.delayMs);
        this.timers.set(effect.timer, handle);
        return;
      }
      case 'cancel':
        this.cancelTimer(effect.timer);
        return;
    }
  }

  /**
   * Builds the request now (its errors are answered at once), then spawns off the JS thread; the
   * answer is dispatched when it arrives (spawned). The state machine holds the process in
   * STARTING with pid 0 meanwhile, and accepts one answer per spawn.
   */
  private spawn(): void {
    const { config, spawner, prepareSpawn } = this.options;
    let request: SpawnRequest;
    try {
      request = prepareSpawn(config);
    } catch (err) {
      // Command and user= errors carry supervisord's text already.
      this.pending.push({ type: 'spawn-failed', message: err instanceof Error ? err.message : String(err) });
      return;
    }
    this.spawnWaiters ??= [];
    try {
      spawner.spawnAsync(request, (outcome) => this.spawned(outcome));
    } catch (err) {
      this.settleSpawn(false);
      this.pending.push({ type: 'spawn-failed', message: spawnFailureText(err, config.name) });
    }
  }

  private settleSpawn(created: boolean): void {
    const waiters = this.spawnWaiters;
    this.spawnWaiters = null;
    for (const resolve of waiters ?? []) resolve(created);
  }

  /** The Spawner's answer to spawn(). */
  private spawned(outcome: SpawnOutcome): void {
    if (this.closed) {
      // The engine let go of this process meanwhile; the child runs on unsupervised, like the
      // children of a closed engine, and nobody will read its pipes.
      if (outcome.ok) releaseOutput(outcome.child);
      this.settleSpawn(outcome.ok);
      return;
    }
    if (!outcome.ok) {
      this.dispatch({ type: 'spawn-failed', message: spawnFailureText(outcome.error, this.config.name) });
      this.settleSpawn(false);
      return;
    }
    const { config, logs, events, clock, pids } = this.options;
    const child = outcome.child;
    this.child = child;
    pids.set(child.pid, this);
    // Raw fds when the spawner offers them: the channel log then reads through one shared buffer
    // (about half the CPU per byte of a stream's 'data' events).
    const fds = child.takeOutputFds?.();
    if (fds) {
      logs.stdout.attach(fds.stdout);
      if (fds.stderr !== null) (logs.stderr ?? logs.stdout).attach(fds.stderr);
    } else {
      logs.stdout.attach(child.stdout);
      if (child.stderr) (logs.stderr ?? logs.stdout).attach(child.stderr);
    }
    this.emit(() => events.emit({ type: 'spawned', group: config.group, name: config.name, pid: child.pid, time: clock.now() }));
    const result = this.dispatch({ type: 'spawned', pid: child.pid, startedAt: child.startedAt });
    if (!result.ok) {
      // Cannot happen while the machine holds a spawning process until its answer; should it,
      // a child the machine does not know must not run unsupervised.
      this.options.logger.critical(`${config.name}: spawned pid ${child.pid} was refused (${result.message}); killing it`);
      this.options.spawner.kill(child.pid, 'SIGKILL', true);
    }
    this.settleSpawn(result.ok);
  }

  private signal(effect: Extract<Effect, { type: 'signal' }>): void {
    let code: string | null;
    try {
      code = this.options.spawner.kill(effect.pid, effect.signal, effect.group);
    } catch (err) {
      code = isFleetError(err) ? err.code : 'EINVAL';
    }
    if (code) this.pending.push({ type: 'signal-failed', purpose: effect.purpose, signal: effect.signal, code });
  }

  private cancelTimer(kind: TimerKind): void {
    const handle = this.timers.get(kind);
    if (handle === undefined) return;
    this.options.clock.clearTimer(handle);
    this.timers.delete(kind);
  }

  /** An event sink's failure must not break supervision; it is logged and forgotten. */
  private emit(send: () => void): void {
    try {
      send();
    } catch (err) {
      this.options.logger.error(`event sink failed for ${this.config.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
