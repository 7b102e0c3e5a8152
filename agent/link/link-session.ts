/**
 * One connection to the controller, from dial to end (agent_link.proto's header is the
 * protocol):
 *
 *   agent                                 controller
 *   Hello(last_seq) + Snapshot   ----->   (same turn: every seq <= last_seq happened before
 *                                <-----    the snapshot was taken, every later seq after it)
 *                                         HelloAck(acked_seq, heartbeat_ms)
 *   EventBatch(seq > acked_seq)  ----->   (the spool from the ack on, then new events as
 *   ...                                    they become durable, a batch per sync)
 *                                <-----   Ack(seq): trim the spool
 *   Heartbeat                    <---->   Heartbeat, every heartbeat_ms both ways
 *                                <-----   Command / LogSubscribe / LogCancel
 *   CommandResult / LogChunk / LogEnd ->
 *
 * The session ends when the stream fails or ends, when the controller is silent for two
 * heartbeat intervals, when no HelloAck comes in time, or when the link closes. Ending it
 * cancels its log subscriptions; commands under way finish (commands.ts says why) and their
 * results are dropped. Nothing here ever starts, stops or signals a process on its own.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { VERSION } from '../../common/version.js';
import type { Command, ConnectRequest, ConnectResponse, HelloAck, LogSubscribe } from '../../proto/gen/fleet/v1/agent_link.js';
import { toProtoProcessInfo } from '../control/proto-adapters.js';
import type { Logger } from '../logs/logger.js';
import { runCommand, type CommandHost, type CommandOutcome } from './commands.js';
import type { LinkStream } from './grpc-stream.js';
import {
  backlogCompleteMarker,
  fromProtoCommand,
  fromProtoLogSubscribe,
  toProtoCommandResult,
  toProtoHostEvent,
  toProtoLogChunk,
} from './link-proto.js';
import { LogSubscription, type LogSink } from './log-subscription.js';
import { Notifier } from './notifier.js';
import type { Spool } from './spool.js';

/** Who this agent is, for Hello. */
export interface AgentIdentity {
  host: string;
  labels: Record<string, string>;
  /** Changes each time the agent process starts. */
  instanceId: string;
  pid: number;
  /** Epoch ms. */
  startedMs: number;
}

export interface SessionOptions {
  stream: LinkStream;
  identity: AgentIdentity;
  spool: Spool;
  host: CommandHost;
  logger: Logger;
  /** The link's lifetime: commands' waits end with it (the agent is stopping). */
  lifetime: AbortSignal;
  /** Called once the HelloAck came. */
  onUp(ack: { ackedSeq: number; heartbeatMs: number }): void;
}

export interface SessionEnd {
  /** Whether a HelloAck came (the link was up). */
  up: boolean;
  reason: string;
}

/** Used when a HelloAck says 0. */
const DEFAULT_HEARTBEAT_MS = 5000;
/** Heartbeats faster than this are slowed down to it. */
const MIN_HEARTBEAT_MS = 50;
/** How long a HelloAck may take before the attempt is given up. */
const HELLO_TIMEOUT_MS = 10_000;
/** Records per EventBatch, in spool bytes: well under gRPC's 4 MiB message limit. */
const BATCH_BYTES = 512 * 1024;

export class LinkSession {
  private readonly ended = new AbortController();
  private reason = '';
  private up = false;
  /** The highest seq written to the stream (or acked by the controller). */
  private sent = 0;
  private snapshotWanted = false;
  private readonly senderWake = new Notifier();
  private readonly subscriptions = new Map<string, LogSubscription>();
  private lastHeard = Date.now();
  private helloTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SessionOptions) {}

  /** Runs the session to its end. Never rejects. */
  async run(): Promise<SessionEnd> {
    const { stream } = this.options;
    try {
      this.hello();
      this.helloTimer = setTimeout(() => this.end('no HelloAck from the controller in time'), HELLO_TIMEOUT_MS);
      for await (const message of stream.messages()) {
        if (this.ended.signal.aborted) break;
        this.lastHeard = Date.now();
        this.handle(message);
      }
      this.end('the controller ended the stream');
    } catch (err) {
      this.end(describeStreamError(err));
    }
    return { up: this.up, reason: this.reason };
  }

  /** The set of processes changed (update, reload...): send a new snapshot, follow new log matches. */
  processesChanged(): void {
    this.snapshotWanted = true;
    this.senderWake.notify();
    for (const subscription of this.subscriptions.values()) subscription.refresh();
  }

  /** Ends the session (idempotent): the stream is cancelled, log subscriptions stop. */
  end(reason: string): void {
    if (this.ended.signal.aborted) return;
    this.reason = reason;
    this.ended.abort();
    clearTimeout(this.helloTimer);
    clearInterval(this.heartbeatTimer);
    this.options.stream.close();
  }

  /** Hello and the snapshot in one turn, so Hello's last_seq splits the history at the snapshot. */
  private hello(): void {
    const { identity, spool, stream } = this.options;
    stream.write({
      body: {
        $case: 'hello',
        value: {
          host: identity.host,
          labels: identity.labels,
          agentVersion: VERSION,
          lastSeq: BigInt(spool.lastSeq),
          instanceId: identity.instanceId,
          pid: identity.pid,
          startedMs: BigInt(identity.startedMs),
        },
      },
    });
    this.writeSnapshot();
  }

  private writeSnapshot(): boolean {
    const processes = this.options.host.engine().getAllProcessInfo().map(toProtoProcessInfo);
    return this.write({ body: { $case: 'snapshot', value: { processes } } });
  }

  private write(message: ConnectRequest): boolean {
    if (this.ended.signal.aborted) return false;
    return this.options.stream.write(message);
  }

  private handle(message: ConnectResponse): void {
    const body = message.body;
    switch (body?.$case) {
      case 'helloAck':
        this.helloAcked(body.value);
        return;
      case 'ack':
        this.options.spool.trim(Number(body.value.seq));
        return;
      case 'heartbeat':
        return; // lastHeard is enough
      case 'command':
        void this.command(body.value);
        return;
      case 'logSubscribe':
        this.subscribe(body.value);
        return;
      case 'logCancel':
        this.subscriptions.get(body.value.id)?.cancel();
        return;
      default:
        return; // a message of a newer controller: nothing to do with it
    }
  }

  private helloAcked(ack: HelloAck): void {
    if (this.up) return;
    this.up = true;
    clearTimeout(this.helloTimer);
    const ackedSeq = Number(ack.ackedSeq);
    const heartbeatMs = Math.max(MIN_HEARTBEAT_MS, ack.heartbeatMs || DEFAULT_HEARTBEAT_MS);
    this.options.spool.trim(ackedSeq);
    this.sent = ackedSeq;
    this.startHeartbeats(heartbeatMs);
    this.options.onUp({ ackedSeq, heartbeatMs });
    void this.sendEvents();
  }

  /**
   * Sends a heartbeat every half interval (the controller calls a host stale after one and a
   * half intervals of silence: a loaded machine that delays a beat must not look stale) and
   * ends the session after two intervals without any message from the controller. Checked
   * four times an interval, so a dead stream is noticed within two and a quarter.
   */
  private startHeartbeats(heartbeatMs: number): void {
    let lastSent = 0;
    const tick = (): void => {
      const now = Date.now();
      if (now - this.lastHeard > 2 * heartbeatMs) {
        this.end(`no message from the controller for ${now - this.lastHeard} ms (heartbeat ${heartbeatMs} ms)`);
        return;
      }
      if (now - lastSent >= heartbeatMs / 2) {
        lastSent = now;
        this.write({ body: { $case: 'heartbeat', value: { timeMs: BigInt(now) } } });
      }
    };
    tick();
    this.heartbeatTimer = setInterval(tick, Math.max(10, Math.floor(heartbeatMs / 4)));
  }

  /**
   * The spool from the ack on, then each new durable event, in seq order, as fast as the stream
   * drains. A snapshot asked for meanwhile is sent once everything numbered so far has been
   * sent, so it never lands before events that happened before it.
   */
  private async sendEvents(): Promise<void> {
    const { spool, stream } = this.options;
    const signal = this.ended.signal;
    const unsubscribe = spool.onDurable(() => this.senderWake.notify());
    try {
      while (!signal.aborted) {
        const events = spool.read(this.sent, BATCH_BYTES);
        if (events.length > 0) {
          const writable = this.write({ body: { $case: 'events', value: { events: events.map(toProtoHostEvent) } } });
          this.sent = events[events.length - 1]!.seq;
          if (!writable) await stream.drain(signal);
          continue;
        }
        if (this.snapshotWanted && this.sent >= spool.lastSeq) {
          this.snapshotWanted = false;
          if (!this.writeSnapshot()) await stream.drain(signal);
          continue;
        }
        await this.senderWake.wait(signal);
      }
    } catch (err) {
      this.end(`sending events failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      unsubscribe();
    }
  }

  private async command(command: Command): Promise<void> {
    const { host, logger, lifetime } = this.options;
    const domain = fromProtoCommand(command);
    logger.debug(`controller command ${command.id}: ${command.action?.$case ?? 'unknown'}`);
    const outcome: CommandOutcome =
      domain === null
        ? { kind: 'fault', code: 'INCORRECT_PARAMETERS', message: `this agent (${VERSION}) does not know that command` }
        : await runCommand(domain, host, lifetime);
    if (this.ended.signal.aborted) {
      logger.info(`controller command ${command.id} finished after the link went down; its result was not delivered`);
      return;
    }
    this.write({ body: { $case: 'result', value: toProtoCommandResult(command.id, outcome) } });
  }

  private subscribe(request: LogSubscribe): void {
    const id = request.id;
    this.subscriptions.get(id)?.cancel();
    const sink: LogSink = {
      chunk: (ref, channel, chunk) => this.write({ body: { $case: 'logChunk', value: toProtoLogChunk(id, ref, channel, chunk) } }),
      backlogComplete: () => this.write({ body: { $case: 'logChunk', value: backlogCompleteMarker(id) } }),
      end: (fault) => {
        this.write({ body: { $case: 'logEnd', value: { subscriptionId: id, fault: fault?.code ?? '', message: fault?.message ?? '' } } });
      },
      drain: (signal) => this.options.stream.drain(signal),
    };
    const subscription = new LogSubscription(fromProtoLogSubscribe(request), () => this.options.host.engine(), sink, this.ended.signal);
    this.subscriptions.set(id, subscription);
    void subscription.done.then(() => {
      if (this.subscriptions.get(id) === subscription) this.subscriptions.delete(id);
    });
  }
}

/** A gRPC error as the activity log says it: `UNAVAILABLE: No connection established`. */
function describeStreamError(err: unknown): string {
  const e = err as { code?: number; details?: string; message?: string };
  if (typeof e?.code === 'number' && GrpcStatus[e.code] !== undefined) return `${GrpcStatus[e.code]}: ${e.details || e.message}`;
  return err instanceof Error ? err.message : String(err);
}

