/**
 * The controller core: the one implementation of every operation, called by the gRPC services
 * (controller/grpc) and the HTTP side (controller/http) alike. It owns the host registry with
 * liveness, the agents' sessions, the current process view, ingest into the store, the event
 * bus, fan-out and log fan-in. It knows nothing of gRPC or HTTP: callers hand it domain
 * requests, a Caller and an AbortSignal that fires when their client goes away.
 */
import type { HostScope } from '../../common/address.js';
import { FleetError } from '../../common/errors.js';
import type { GroupUpdate } from '../../common/group-update.js';
import type { HistoryEvent } from '../../common/fleet-event.js';
import type { HostInfo } from '../../common/host.js';
import { VERSION } from '../../common/version.js';
import type { FleetStore } from '../store/store.js';
import { silentLog, type ControllerLog } from '../log.js';
import { serveAgentStream } from './agent-link.js';
import { unreachable } from './agent-session.js';
import type { Caller } from './caller.js';
import type { Clock, CoreContext, CoreSettings } from './core-context.js';
import { EventBus, type FleetEntry } from './event-bus.js';
import { control, type ControlOutcome, type ControlRequest } from './fan-out.js';
import { reread, update, type HostCommandRequest, type HostOutcome } from './host-commands.js';
import { HostRegistry } from './host-registry.js';
import { InFlight } from './in-flight.js';
import { Ingest } from './ingest.js';
import type { AgentStream, RereadOutcome } from './link-protocol.js';
import { followLogs, type LogOutcome, type LogsRequest } from './log-fan-in.js';
import { recordOperatorAction, type ActionRecord } from './operator-actions.js';
import { ProcessView } from './process-view.js';
import { history, listHosts, listProcesses, type HistoryRequest, type HostsQuery, type ProcessListing } from './queries.js';
import { ReconnectThrottle, type ReconnectThrottleOptions } from './reconnect-throttle.js';
import { watchEvents, type WatchRequest } from './watch.js';

export interface ControllerCoreOptions {
  store: FleetStore;
  /** Heartbeat interval of agent streams (5 s by default). */
  heartbeatMs?: number;
  commandTimeoutMs?: number;
  helloTimeoutMs?: number;
  logBacklogTimeoutMs?: number;
  logReorderMs?: number;
  reconnect?: ReconnectThrottleOptions;
  log?: ControllerLog;
  clock?: Clock;
}

export class ControllerCore implements AsyncDisposable {
  private readonly ctx: CoreContext;
  private readonly closing = new AbortController();
  private readonly streams = new Set<Promise<void>>();
  private readonly sweepTimer: NodeJS.Timeout;
  private closed: Promise<void> | null = null;

  private constructor(options: ControllerCoreOptions, settings: CoreSettings) {
    const log = options.log ?? silentLog;
    const bus = new EventBus();
    const clock = options.clock ?? { now: () => Date.now() };
    const registry = new HostRegistry(settings.heartbeatMs, (host, previous) => {
      log.info(`${host.name}: ${previous} -> ${host.liveness}`);
      bus.publish({ kind: 'liveness', host: host.name, liveness: host.liveness, time: clock.now() });
      if (host.liveness === 'disconnected' && host.lastSeen > 0) options.store.recordSeen(host.name, host.lastSeen).catch(() => {});
    });
    const view = new ProcessView();
    let counter = 0;
    const idPrefix = `${process.pid.toString(36)}.${Date.now().toString(36)}`;
    this.ctx = {
      store: options.store,
      registry,
      view,
      bus,
      ingest: new Ingest({ store: options.store, registry, view, bus, log }),
      throttle: new ReconnectThrottle(options.reconnect),
      log,
      clock,
      settings,
      nextId: () => `${idPrefix}.${(++counter).toString(36)}`,
      closing: this.closing.signal,
      actions: new InFlight(),
    };
    const tick = Math.max(10, Math.min(1000, Math.floor(settings.heartbeatMs / 10)));
    this.sweepTimer = setInterval(() => this.sweep(), tick);
  }

  /** Loads the known hosts and their last known processes from the store, and starts the liveness sweep. */
  static async open(options: ControllerCoreOptions): Promise<ControllerCore> {
    const heartbeatMs = options.heartbeatMs ?? 5000;
    const settings: CoreSettings = {
      heartbeatMs,
      commandTimeoutMs: options.commandTimeoutMs ?? 60_000,
      helloTimeoutMs: options.helloTimeoutMs ?? Math.max(10_000, 2 * heartbeatMs),
      logBacklogTimeoutMs: options.logBacklogTimeoutMs ?? 10_000,
      logReorderMs: options.logReorderMs ?? 100,
      version: VERSION,
    };
    const [hosts, processes] = await Promise.all([options.store.listHosts(), options.store.listProcesses()]);
    const core = new ControllerCore(options, settings);
    core.ctx.registry.load(hosts);
    const byHost = new Map<string, typeof processes>();
    for (const p of processes) {
      let list = byHost.get(p.host);
      if (!list) byHost.set(p.host, (list = []));
      list.push(p);
    }
    for (const [host, list] of byHost) core.ctx.view.replace(host, list.map((p) => p.info));
    return core;
  }

  get heartbeatMs(): number {
    return this.ctx.settings.heartbeatMs;
  }

  /** Aborted when close() begins: client streams cut by it end with `server shutting down`. */
  get closingSignal(): AbortSignal {
    return this.closing.signal;
  }

  /** Serves one agent stream until it ends; never rejects. */
  serveAgent(stream: AgentStream): Promise<void> {
    if (this.closing.signal.aborted) {
      stream.close(new FleetError('SHUTDOWN_STATE', 'server shutting down'));
      return Promise.resolve();
    }
    const served = serveAgentStream(this.ctx, stream).finally(() => this.streams.delete(served));
    this.streams.add(served);
    return served;
  }

  listHosts(caller: Caller, query?: HostsQuery): HostInfo[] {
    return listHosts(this.ctx, caller, query);
  }

  listProcesses(caller: Caller, scope: HostScope, addresses: readonly string[]): ProcessListing {
    return listProcesses(this.ctx, caller, scope, addresses);
  }

  control(caller: Caller, request: ControlRequest, signal: AbortSignal): AsyncIterable<ControlOutcome> {
    return control(this.ctx, caller, request, this.callSignal(signal));
  }

  reread(caller: Caller, request: HostCommandRequest, signal: AbortSignal): AsyncIterable<HostOutcome<RereadOutcome>> {
    return reread(this.ctx, caller, request, this.callSignal(signal));
  }

  update(caller: Caller, request: HostCommandRequest & { groups: readonly string[] }, signal: AbortSignal): AsyncIterable<HostOutcome<GroupUpdate[]>> {
    return update(this.ctx, caller, request, this.callSignal(signal));
  }

  history(caller: Caller, request: HistoryRequest): Promise<HistoryEvent[]> {
    return history(this.ctx, caller, request);
  }

  /** Ends when `signal` fires or the controller closes. */
  watchEvents(caller: Caller, request: WatchRequest, signal: AbortSignal): AsyncIterable<FleetEntry> {
    return watchEvents(this.ctx, caller, request, this.callSignal(signal));
  }

  logs(caller: Caller, request: LogsRequest, signal: AbortSignal): AsyncIterable<LogOutcome> {
    return followLogs(this.ctx, caller, request, this.callSignal(signal));
  }

  /**
   * Records a mutating call the core did not carry out itself (token create and revoke, host
   * revocation, an agent's join) in the audit trail and on the event bus, as control and
   * update are. Never rejects: a store failure is logged.
   */
  recordAction(caller: Caller, record: ActionRecord): Promise<void> {
    return recordOperatorAction(this.ctx, caller, record);
  }

  /** Resolves once the actions commands are recording after answering are in the store (those being recorded now). */
  actionsRecorded(): Promise<void> {
    return this.ctx.actions.done();
  }

  /**
   * Ends the host's live stream at once with `error` (a revoked host: the agent is told why);
   * its waiting commands and log streams fail with it. False when the host had no live stream.
   */
  disconnectHost(host: string, error: FleetError): boolean {
    const session = this.ctx.registry.get(host)?.session;
    if (!session) return false;
    session.close(error);
    this.ctx.registry.detach(session);
    return true;
  }

  /**
   * Ends every agent stream (UNAVAILABLE `server shutting down`, which agents answer by
   * reconnecting later), ends watches and log streams, waits for the streams' appends, and
   * flushes the store (which the caller closes). Idempotent.
   */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing.abort(new FleetError('SHUTDOWN_STATE', 'server shutting down'));
      clearInterval(this.sweepTimer);
      for (const record of this.ctx.registry.all()) record.session?.close(new FleetError('SHUTDOWN_STATE', 'server shutting down'));
      await Promise.all([...this.streams]);
      await Promise.all(this.ctx.registry.all().map((h) => this.ctx.ingest.idle(h.name)));
      await this.ctx.actions.settled();
      await this.ctx.store.flush().catch((err: unknown) => this.ctx.log.error(`cannot flush the store: ${(err as Error).message}`));
    })();
    return this.closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private callSignal(signal: AbortSignal): AbortSignal {
    return AbortSignal.any([signal, this.closing.signal]);
  }

  /** Liveness, heartbeats to the agents, and forgetting idle throttle buckets. */
  private sweep(): void {
    const now = this.ctx.clock.now();
    const { silent } = this.ctx.registry.sweep(now);
    for (const session of silent) {
      const quiet = now - session.lastSeen;
      session.close(unreachable(session.host, `nothing heard for ${quiet} ms (two heartbeat intervals)`));
      this.ctx.registry.detach(session);
    }
    for (const record of this.ctx.registry.all()) {
      const session = record.session;
      if (!session || now - session.lastHeartbeatSent < this.ctx.settings.heartbeatMs) continue;
      session.lastHeartbeatSent = now;
      session.send({ kind: 'heartbeat', time: now }).catch(() => {});
    }
    this.ctx.throttle.prune(now);
  }
}
