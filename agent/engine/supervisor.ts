/**
 * The supervision engine: every group and process of a Config, driven by events. Exits come from
 * the Spawner's SIGCHLD reports, deadlines from per-process timers that exist only while a
 * process is STARTING, BACKOFF or STOPPING; an idle engine owns no timer and never wakes up.
 * Long runs of spawns (autostart, start all) yield to the event loop between batches, so exits,
 * signals and RPCs keep being served meanwhile.
 *
 * The public surface is what a control server (supervisorctl's commands) and a controller link
 * (every transition, through `events`) need: processes are named by {group, name} (parsing
 * addresses is the caller's job), errors are FleetErrors with Supervisor's fault codes, and every
 * wait takes an AbortSignal.
 */
import { setMaxListeners } from 'node:events';
import { FleetError } from '../../common/errors.js';
import type { ProcessInfo, ProcessResult } from '../../common/process-info.js';
import type { Config, GroupConfig, ProcessConfig, SignalName } from '../config/types.js';
import type { Logger } from '../logs/logger.js';
import { openProcessLogs } from '../logs/process-logs.js';
import type { ProcessLogs } from '../logs/types.js';
import { systemClock, type Clock } from '../process/clock.js';
import { buildSpawnRequest, defaultServerUrl, type SpawnContext } from '../process/command.js';
import type { EngineEventSink } from '../process/events.js';
import { ProcessRunner } from '../process/process-runner.js';
import type { ExitStatus, Spawner } from '../process/spawner.js';
import { decodeExit } from '../process/exit-status.js';
import { byGroupThenName } from '../../common/process-info.js';
import { byPriority, DEFAULT_SPAWN_BATCH, paced, priorityWaves, type Waves } from './ordering.js';
import {
  checkSignal,
  clearResult,
  clearRunnerLogs,
  forEachProcess,
  isNotRunning,
  isStoppable,
  isSignallable,
  namespec,
  signalRunner,
  startRunner,
  stopRunner,
  type WaitOptions,
} from './process-control.js';
import { planGroupUpdate } from './group-update.js';
import { ProcessGroup } from './process-group.js';
import { shutdownGroups } from './shutdown.js';
import { formatNamespec } from '../../common/namespec.js';

export type { WaitOptions } from './process-control.js';

/** Supervisor's daemon states that matter to callers: RPCs refuse with SHUTDOWN_STATE unless RUNNING. */
export type SupervisorState = 'RUNNING' | 'RESTARTING' | 'SHUTDOWN';

/** One process, by group and process name (for `[program:x]` both are `x`). */
export interface ProcessRef {
  group: string;
  name: string;
}

export interface SupervisorOptions {
  config: Config;
  spawner: Spawner;
  /** The activity log. */
  logger: Logger;
  /** Receives every transition, spawn and exit. */
  events?: EngineEventSink;
  /** Opens a process's logs when its group is created; defaults to openProcessLogs with the config's settings. */
  openLogs?: (config: ProcessConfig) => ProcessLogs;
  clock?: Clock;
  /** The environment children inherit, as it is when the engine is created; defaults to the agent's own (process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Spawns between two yields to the event loop in bulk starts (default 16). */
  spawnBatchSize?: number;
}

/** What updateGroup did, by process name. */
export interface GroupChange {
  /** Stopped and started again with their new config (if autostart). */
  restarted: string[];
  added: string[];
  /** Stopped and dropped. */
  removed: string[];
  /**
   * Processes that should have been replaced or dropped but could not be stopped (FAILED):
   * they stay in the group with their old config, so the next reread still reports the group.
   */
  failed: ProcessResult[];
}

export interface RestartResults {
  stopped: ProcessResult[];
  started: ProcessResult[];
}

/** Narrows a bulk call to some of the processes it covers (the controller's glob selectors). */
export type ProcessFilter = (ref: ProcessRef) => boolean;

/** startAll, stopAll and restartAll: the waits, and which processes take part (all by default). */
export interface BulkOptions extends WaitOptions {
  only?: ProcessFilter;
}

const NO_EVENTS: EngineEventSink = { emit() {} };

export class Supervisor implements AsyncDisposable {
  private readonly groups = new Map<string, ProcessGroup>();
  /** Live children by pid, for routing the Spawner's exit reports. */
  private readonly pids = new Map<number, ProcessRunner>();
  private readonly spawnContext: SpawnContext;
  private readonly clock: Clock;
  private readonly events: EngineEventSink;
  private readonly openLogs: (config: ProcessConfig) => ProcessLogs;
  private readonly batch: number;
  /** Aborted by close(): every wait in progress rejects. */
  private readonly lifetime = new AbortController();
  private mood: SupervisorState = 'RUNNING';
  private shutdownDone: Promise<void> | null = null;
  private closing: Promise<void> | null = null;
  private readonly unsubscribeExits: () => void;
  /**
   * Bulk starts go in priority order: spawns run off the JS thread and several at once, but only
   * among processes of equal (group priority, process priority); every spawn of one priority has
   * completed (the child exec'd) before the first of the next begins, as supervisord's serial
   * spawns guarantee.
   */
  private readonly spawnWaves: Waves<ProcessRunner> = {
    key: (r) => `${this.groups.get(r.config.group)?.config.priority}:${r.config.priority}`,
    settled: (r) => r.spawnSettled(),
  };

  /**
   * Creates every group of the config and opens its logs (AUTO files are created now, as
   * supervisord does); spawns nothing until start(). Throws what openLogs throws (a log file
   * that cannot be opened), after closing the logs it had opened.
   */
  constructor(private readonly options: SupervisorOptions) {
    const { config } = options;
    this.clock = options.clock ?? systemClock;
    this.events = options.events ?? NO_EVENTS;
    this.batch = Math.max(1, options.spawnBatchSize ?? DEFAULT_SPAWN_BATCH);
    this.openLogs =
      options.openLogs ??
      ((process) => openProcessLogs({ config: process, settings: config.supervisord, logger: options.logger, clock: this.clock.now }));
    this.spawnContext = {
      // A plain copy, taken once: every spawn reads all of it, and each read of process.env
      // goes through getenv (copying it per spawn cost about 0.15 ms). A reload makes a new engine.
      agentEnv: { ...(options.env ?? process.env) },
      supervisordEnv: config.supervisord.environment,
      serverUrl: defaultServerUrl(config),
    };
    try {
      for (const group of config.groups) this.groups.set(group.name, this.createGroup(group));
    } catch (err) {
      for (const group of this.groups.values()) void group.close();
      throw err;
    }
    this.unsubscribeExits = options.spawner.onExit((pid, status) => this.onExit(pid, status));
  }

  get state(): SupervisorState {
    return this.mood;
  }

  /**
   * Autostarts every group in (priority, name) order, processes likewise, without waiting for
   * RUNNING; resolves once every spawn has completed (each process has its pid or its spawn error).
   */
  async start(): Promise<void> {
    await this.autostart(this.sortedGroups());
  }

  /** Group names in (priority, name) order. */
  groupNames(): string[] {
    return this.sortedGroups().map((g) => g.name);
  }

  /** Every process, sorted by group then name, as status lists them. */
  processRefs(): ProcessRef[] {
    return this.allRunners().map((r) => ({ group: r.config.group, name: r.config.name })).sort(byGroupThenName);
  }

  /** The config of every running group, in (priority, name) order (what reread compares against). */
  groupConfigs(): GroupConfig[] {
    return this.sortedGroups().map((g) => g.config);
  }

  getProcessConfig(ref: ProcessRef): ProcessConfig {
    return this.runner(ref).config;
  }

  getProcessInfo(ref: ProcessRef): ProcessInfo {
    return this.runner(ref).info(this.clock.now());
  }

  /** A process's logs (capture times, chunk listeners), for log streams. BAD_NAME if unknown. */
  getProcessLogs(ref: ProcessRef): ProcessLogs {
    return this.runner(ref).logs;
  }

  /** Every process, sorted by group then name (getAllProcessInfo). */
  getAllProcessInfo(): ProcessInfo[] {
    const now = this.clock.now();
    return this.allRunners().map((r) => r.info(now)).sort(byGroupThenName);
  }

  startProcess(ref: ProcessRef, options: WaitOptions = {}): Promise<void> {
    this.assertRunning();
    return startRunner(this.runner(ref), this.spawnContext, options.wait ?? true, this.linked(options.signal));
  }

  /** Starts every process of the group that is not running, in priority order; one result each. */
  startGroup(group: string, options: WaitOptions = {}): Promise<ProcessResult[]> {
    this.assertRunning();
    return this.startMany(this.group(group).runners, options);
  }

  /** Starts every process that is not running, in ascending priority (groups, then processes). */
  startAll(options: BulkOptions = {}): Promise<ProcessResult[]> {
    this.assertRunning();
    return this.startMany(only(this.allRunnersByPriority(), options.only), options);
  }

  stopProcess(ref: ProcessRef, options: WaitOptions = {}): Promise<void> {
    this.assertRunning();
    return stopRunner(this.runner(ref), options.wait ?? true, this.linked(options.signal));
  }

  /** Stops every running process of the group at once (stopProcessGroup); one result each. */
  stopGroup(group: string, options: WaitOptions = {}): Promise<ProcessResult[]> {
    this.assertRunning();
    return this.stopMany(this.group(group).runners, options);
  }

  /**
   * Stops everything in DESCENDING priority, the order Supervisor's docs promise (supervisord
   * itself uses ascending, issue #217): groups of equal priority form a wave whose processes are
   * all signalled at once, and with wait each wave is fully stopped before the next is signalled.
   */
  async stopAll(options: BulkOptions = {}): Promise<ProcessResult[]> {
    this.assertRunning();
    const groups = this.sortedGroups().reverse();
    const results: ProcessResult[] = [];
    for (const wave of priorityWaves(groups, (g) => g.config.priority)) {
      const runners = only(
        wave.flatMap((g) => [...g.runners].reverse()),
        options.only,
      );
      results.push(...(await this.stopMany(runners, options)));
    }
    return results;
  }

  /** Stop (NOT_RUNNING is fine), then start with the start's waits and faults. */
  async restartProcess(ref: ProcessRef, options: WaitOptions = {}): Promise<void> {
    this.assertRunning();
    const runner = this.runner(ref);
    if (isStoppable(runner)) await stopRunner(runner, true, this.linked(options.signal));
    await this.startProcess(ref, options);
  }

  /** stopGroup then startGroup: every stop completes before anything starts (#723). */
  async restartGroup(group: string, options: WaitOptions = {}): Promise<RestartResults> {
    const stopped = await this.stopGroup(group, { ...options, wait: true });
    return { stopped, started: await this.startGroup(group, options) };
  }

  async restartAll(options: BulkOptions = {}): Promise<RestartResults> {
    const stopped = await this.stopAll({ ...options, wait: true });
    return { stopped, started: await this.startAll(options) };
  }

  /** Sends a signal to the process alone (not its group): NOT_RUNNING unless STARTING, RUNNING or STOPPING. */
  signalProcess(ref: ProcessRef, signal: SignalName): void {
    this.assertRunning();
    signalRunner(this.runner(ref), signal);
  }

  signalGroup(group: string, signal: SignalName): Promise<ProcessResult[]> {
    this.assertRunning();
    checkSignal(signal);
    return this.signalMany(this.group(group).runners, signal);
  }

  signalAll(signal: SignalName, filter?: ProcessFilter): Promise<ProcessResult[]> {
    this.assertRunning();
    checkSignal(signal);
    return this.signalMany(only(this.allRunnersByPriority(), filter), signal);
  }

  /** Writes to a process's stdin (sendProcessStdin). */
  /**
   * Writes to a process's stdin (sendProcessStdin): NOT_RUNNING when it has no child or is being
   * stopped; the Spawner's NO_FILE (stdin closed) or FAILED (pipe full) otherwise.
   */
  sendStdin(ref: ProcessRef, data: Buffer): void {
    this.assertRunning();
    const runner = this.runner(ref);
    if (runner.snapshot.pid === 0 || runner.snapshot.killing) throw new FleetError('NOT_RUNNING', namespec(runner));
    runner.writeStdin(data);
  }

  /**
   * Adds a group (its logs are opened now) and autostarts it. ALREADY_ADDED if a group of that
   * name exists. Resolves once its autostart spawns have completed.
   */
  async addGroup(config: GroupConfig): Promise<void> {
    this.assertRunning();
    if (this.groups.has(config.name)) throw new FleetError('ALREADY_ADDED', config.name);
    const group = this.createGroup(config);
    this.groups.set(config.name, group);
    this.groupsChanged();
    await this.autostart([group]);
  }

  /** Removes a group whose processes are all stopped (STILL_RUNNING otherwise) and closes its logs. */
  async removeGroup(name: string): Promise<void> {
    this.assertRunning();
    const group = this.group(name);
    if (group.unstopped().length > 0) throw new FleetError('STILL_RUNNING', name);
    this.groups.delete(name);
    this.groupsChanged();
    await group.close();
  }

  /**
   * Moves a running group to a new config without touching what did not change (update, with
   * the difference from supervisord in DESIGN.md): processes whose effective config is the same
   * keep running as they are; changed ones are stopped (waiting, all at once), replaced with a
   * new process and autostarted if autostart; new ones are added and autostarted; dropped ones
   * are stopped and removed. Their logs are closed and opened like at group creation. BAD_NAME if
   * the group does not exist. Aborting `signal` stops waiting for the stops (nothing is replaced).
   */
  async updateGroup(config: GroupConfig, options: { signal?: AbortSignal } = {}): Promise<GroupChange> {
    this.assertRunning();
    const current = this.group(config.name);
    const plan = planGroupUpdate(current.config, config);
    const incoming = new Set([...plan.replace, ...plan.add]);
    // Logs are opened first: if one cannot be, nothing has been stopped yet.
    const created = new Map(this.createRunners(config.processes.filter((p) => incoming.has(p.name))).map((r) => [r.config.name, r]));
    const leaving = [...plan.replace, ...plan.drop].map((name) => current.get(name)!);
    let failed: ProcessResult[];
    try {
      const signal = this.linked(options.signal);
      const stops = await forEachProcess(leaving, isStoppable, (r) => stopRunner(r, true, signal), this.batch, signal);
      failed = stops.filter((r) => r.code !== 'SUCCESS');
      if (this.groups.get(config.name) !== current) throw new FleetError('FAILED', `${config.name} was changed meanwhile`);
    } catch (err) {
      await Promise.all([...created.values()].map((r) => r.close()));
      throw err;
    }
    const stuck = new Set(failed.map((r) => r.name));
    for (const name of stuck) {
      void created.get(name)?.close();
      created.delete(name);
    }
    const gone = leaving.filter((r) => !stuck.has(r.config.name));
    await Promise.all(gone.map((r) => r.close()));
    const kept = current.runners.filter((r) => !gone.includes(r));
    const group = new ProcessGroup(config, [...kept, ...created.values()]);
    this.groups.set(config.name, group);
    this.groupsChanged();
    const fresh = new Set(created.values());
    const starting = group.runners.filter((r) => fresh.has(r));
    await paced(starting, this.batch, (r) => this.mood === 'RUNNING' && r.dispatch({ type: 'autostart' }).ok, this.spawnWaves);
    await Promise.all(starting.map((r) => r.spawnSettled()));
    return {
      restarted: plan.replace.filter((n) => !stuck.has(n)),
      added: plan.add,
      removed: plan.drop.filter((n) => !stuck.has(n)),
      failed,
    };
  }

  /**
   * clearProcessLogs: deletes and reopens the process's logs (backups stay). BAD_NAME for an
   * unknown process; FAILED naming the process when a file cannot be removed or recreated.
   */
  clearLogs(ref: ProcessRef): void {
    this.assertRunning();
    clearRunnerLogs(this.runner(ref));
  }

  /** clearAllProcessLogs (or one group's): one result per process, in priority order. */
  clearAllLogs(group?: string): ProcessResult[] {
    this.assertRunning();
    const runners = group === undefined ? this.allRunnersByPriority() : this.group(group).runners;
    return runners.map(clearResult);
  }

  /** Reopens every process's logs (SIGUSR2, after an external logrotate); returns a message per log that could not be reopened. */
  reopenLogs(): string[] {
    const failures: string[] = [];
    for (const runner of this.allRunners()) {
      try {
        runner.logs.reopen();
      } catch (err) {
        // The old file stays in use; the others are still reopened.
        failures.push(`could not reopen the logs of ${namespec(runner)}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return failures;
  }

  /**
   * Stops everything for an agent exit (or, with `restarting`, a reload): see shutdown.ts.
   * From the first call on, control calls fail with SHUTDOWN_STATE; later calls return the same
   * promise. Aborting `signal` stops waiting (a child that survives SIGKILL would hold it forever).
   */
  shutdown(options: { restarting?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    if (!this.shutdownDone) {
      this.mood = options.restarting ? 'RESTARTING' : 'SHUTDOWN';
      this.shutdownDone = shutdownGroups({
        groups: this.sortedGroups(),
        logger: this.options.logger,
        clock: this.clock,
        signal: this.linked(options.signal),
      });
    }
    return this.shutdownDone;
  }

  /**
   * Releases the engine: waits in progress reject, timers are cancelled, logs are closed, and exit
   * reports are ignored from now on. Children are NOT stopped (call shutdown() first for that).
   * Idempotent.
   */
  close(): Promise<void> {
    if (!this.closing) {
      this.unsubscribeExits();
      this.lifetime.abort(new FleetError('SHUTDOWN_STATE', 'the engine is closed'));
      this.closing = Promise.all([...this.groups.values()].map((g) => g.close())).then(() => undefined);
    }
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private createGroup(config: GroupConfig): ProcessGroup {
    return new ProcessGroup(config, this.createRunners(config.processes));
  }

  /** One runner per process, logs opened; if one fails, those made so far are closed and the error thrown. */
  private createRunners(processes: readonly ProcessConfig[]): ProcessRunner[] {
    const runners: ProcessRunner[] = [];
    try {
      for (const process of processes) {
        runners.push(
          new ProcessRunner({
            config: process,
            spawner: this.options.spawner,
            prepareSpawn: (c) => buildSpawnRequest(c, this.spawnContext),
            logs: this.openLogs(process),
            logger: this.options.logger,
            events: this.events,
            clock: this.clock,
            pids: this.pids,
          }),
        );
      }
    } catch (err) {
      for (const runner of runners) void runner.close();
      throw err;
    }
    return runners;
  }

  /** Autostarts in priority order; resolves once every spawn it issued has completed (pid or spawn error). */
  private async autostart(groups: readonly ProcessGroup[]): Promise<void> {
    const runners = [...groups].sort(byPriority).flatMap((g) => g.runners);
    await paced(runners, this.batch, (runner) => this.mood === 'RUNNING' && runner.dispatch({ type: 'autostart' }).ok, this.spawnWaves);
    await Promise.all(runners.map((r) => r.spawnSettled()));
  }

  private startMany(runners: readonly ProcessRunner[], options: WaitOptions): Promise<ProcessResult[]> {
    const wait = options.wait ?? true;
    const signal = this.linked(options.signal);
    return forEachProcess(runners, isNotRunning, (r) => startRunner(r, this.spawnContext, wait, signal), this.batch, signal, this.spawnWaves);
  }

  private stopMany(runners: readonly ProcessRunner[], options: WaitOptions): Promise<ProcessResult[]> {
    const wait = options.wait ?? true;
    const signal = this.linked(options.signal);
    return forEachProcess(runners, isStoppable, (r) => stopRunner(r, wait, signal), this.batch, signal);
  }

  private signalMany(runners: readonly ProcessRunner[], signal: SignalName): Promise<ProcessResult[]> {
    return forEachProcess(runners, isSignallable, async (r) => signalRunner(r, signal), this.batch);
  }

  private onExit(pid: number, status: ExitStatus): void {
    if (this.closing) return;
    const runner = this.pids.get(pid);
    try {
      if (runner) runner.handleExit(pid, status);
      else this.options.logger.info(`reaped unknown pid ${pid} (${decodeExit(status).text})`);
    } catch (err) {
      // Never let one process's failure escape into the SIGCHLD handler.
      this.options.logger.critical(`handling the exit of pid ${pid} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }

  /** Tells the event sink that the set of processes changed (add, remove, update). */
  private groupsChanged(): void {
    try {
      this.events.emit({ type: 'groups', time: this.clock.now() });
    } catch (err) {
      this.options.logger.error(`event sink failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private assertRunning(): void {
    if (this.closing) throw new FleetError('SHUTDOWN_STATE', 'the engine is closed');
    if (this.mood !== 'RUNNING') throw new FleetError('SHUTDOWN_STATE', '');
  }

  /**
   * The caller's signal joined with the engine's lifetime. The waits share one listener per
   * signal (waits.ts); the listener limit is lifted for whatever else listens to the lifetime.
   */
  private linked(signal: AbortSignal | undefined): AbortSignal {
    const linked = signal ? AbortSignal.any([signal, this.lifetime.signal]) : this.lifetime.signal;
    setMaxListeners(0, linked);
    return linked;
  }

  private runner(ref: ProcessRef): ProcessRunner {
    const runner = this.groups.get(ref.group)?.get(ref.name);
    if (!runner) throw new FleetError('BAD_NAME', formatNamespec(ref.group, ref.name));
    return runner;
  }

  private group(name: string): ProcessGroup {
    const group = this.groups.get(name);
    if (!group) throw new FleetError('BAD_NAME', name);
    return group;
  }

  private sortedGroups(): ProcessGroup[] {
    return [...this.groups.values()].sort(byPriority);
  }

  private allRunners(): ProcessRunner[] {
    return [...this.groups.values()].flatMap((g) => g.runners);
  }

  private allRunnersByPriority(): ProcessRunner[] {
    return this.sortedGroups().flatMap((g) => g.runners);
  }
}

/** The runners `filter` keeps (all of them without one). */
function only(runners: ProcessRunner[], filter: ProcessFilter | undefined): ProcessRunner[] {
  return filter ? runners.filter((r) => filter({ group: r.config.group, name: r.config.name })) : runners;
}

export { namespec };
