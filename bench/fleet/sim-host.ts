// One simulated host: its own grpc-js channel (its own TCP connection) and one
// AgentService.Connect stream, speaking agent_link.proto as fleet-agent does:
//
//   Hello(last_seq) + Snapshot   ----->   (same turn, as agent/link/link-session.ts)
//                                <-----   HelloAck(acked_seq, heartbeat_ms)
//   EventBatch(seq > acked_seq)  ----->   every unacked event, then new ones, at most
//                                         `window` unacked at a time, `batch` per message
//                                <-----   Ack(seq): drop everything up to it
//   Heartbeat                    <---->   every heartbeat_ms; two silent intervals end the stream
//                                <-----   Command: restart/start/stop/signal with per-process
//   CommandResult                ----->   results, after the transitions they caused
//
// Events are numbered by the host's own counter and kept until acked: after a broken stream the
// host reconnects (jittered exponential backoff) and resends from the controller's acked seq,
// exactly as an agent resends from its spool. There is no spool file: the counter and the
// unacked events live as long as the simulator process.
import { credentials } from '@grpc/grpc-js';
import type { Command, CommandResult, ConnectRequest, ConnectResponse } from '../../proto/gen/fleet/v1/agent_link.js';
import type { AgentCredentials } from '../../agent/link/agent-credentials.js';
import { CONTROLLER_CHANNEL_OPTIONS, controllerCredentials } from '../../agent/link/controller-tls.js';
import { SimProcessTable, type SimChange, type SimResult } from './sim-processes.js';
import { SimEventLog } from './sim-encode.js';
import { SimAgentClient, toInfo, toProtoResult, type SimConnectCall } from './sim-wire.js';

const HELLO_TIMEOUT_MS = 20_000;
const MAX_BACKOFF_MS = 5_000;

export interface SimHostOptions {
  name: string;
  /** The controller's gRPC address, host:port. */
  address: string;
  processes: number;
  labels: Record<string, string>;
  /** At most this many events sent and not yet acked. */
  window: number;
  /** At most this many events per EventBatch. */
  batch: number;
  /** Process-wide source of fake pids. */
  nextPid: () => number;
  instanceId: string;
  /** Mutual TLS with these (the controller's secure mode); plaintext when null. */
  credentials: AgentCredentials | null;
}

export interface SimHostStats {
  name: string;
  /** The highest seq assigned. */
  seq: number;
  /** The highest seq the controller acked. */
  acked: number;
  /** Streams that reached HelloAck. */
  sessions: number;
  commands: number;
  /** Wall time at which the last command arrived. */
  lastCommandAt: number;
  lastError: string;
}

type Waiter = { until: () => boolean; resolve: (at: number) => void };

export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

export class SimHost {
  private readonly table: SimProcessTable;
  private client: InstanceType<typeof SimAgentClient> | null = null;
  private call: SimConnectCall | null = null;
  /** Counts streams, so events of an old one are ignored. */
  private generation = 0;
  private up = false;
  private closed = false;
  private attempts = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private helloTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private lastHeard = 0;
  private draining = false;

  private seq = 0;
  private acked = 0;
  /** Encoded HostEvents with seqs acked+1 .. seq, in order (index 0 has seq `acked + 1`). */
  private readonly unacked = new SimEventLog();
  /** The highest seq written on the current stream. */
  private sent = 0;
  private floodLeft = 0;
  private waiters: Waiter[] = [];
  private sessions = 0;
  private commands = 0;
  private lastCommandAt = 0;
  private lastError = '';
  /** Wall time of the first HelloAck. */
  firstUpAt = 0;

  constructor(private readonly options: SimHostOptions) {
    this.table = new SimProcessTable(options.processes, options.nextPid);
  }

  get name(): string {
    return this.options.name;
  }

  /** Dials after `delayMs` (the caller's jitter); the host then stays connected until close(). */
  start(delayMs: number): void {
    this.reconnectTimer = setTimeout(() => this.connect(), delayMs);
  }

  /** Resolves with the wall time of the first HelloAck. */
  whenUp(): Promise<number> {
    return this.waitUntil(() => this.firstUpAt > 0).then(() => this.firstUpAt);
  }

  /** Emits `count` more transitions as fast as acks allow; resolves with the wall time of the ack that covers the last. */
  flood(count: number): Promise<number> {
    this.floodLeft += count;
    const target = this.seq + this.floodLeft;
    this.pump();
    return this.waitUntil(() => this.acked >= target);
  }

  /** Resolves with the wall time at which every event assigned so far was acked. */
  settled(): Promise<number> {
    const target = this.seq + this.floodLeft;
    return this.waitUntil(() => this.acked >= target);
  }

  stats(): SimHostStats {
    return {
      name: this.name,
      seq: this.seq,
      acked: this.acked,
      sessions: this.sessions,
      commands: this.commands,
      lastCommandAt: this.lastCommandAt,
      lastError: this.lastError,
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.down('closed');
    clearTimeout(this.reconnectTimer);
  }

  private waitUntil(until: () => boolean): Promise<number> {
    if (until()) return Promise.resolve(wallMs());
    return new Promise((resolve) => this.waiters.push({ until, resolve }));
  }

  private checkWaiters(): void {
    if (this.waiters.length === 0) return;
    const now = wallMs();
    this.waiters = this.waiters.filter((w) => {
      if (!w.until()) return true;
      w.resolve(now);
      return false;
    });
  }

  private connect(): void {
    if (this.closed) return;
    const generation = ++this.generation;
    // A local subchannel pool: without it grpc-js shares one TCP connection among every client
    // of the process with the same target, and 250 hosts would be 250 streams on one socket.
    const identity = this.options.credentials;
    this.client = new SimAgentClient(this.options.address, identity ? controllerCredentials(identity.caPem, identity) : credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
      'grpc.max_receive_message_length': 16 * 1024 * 1024,
      ...(identity ? CONTROLLER_CHANNEL_OPTIONS : {}),
    });
    const call = this.client.connect();
    this.call = call;
    call.on('data', (message: ConnectResponse) => {
      if (generation === this.generation) this.handle(message);
    });
    call.on('error', (err: Error) => {
      if (generation === this.generation) this.down(err.message);
    });
    call.on('end', () => {
      if (generation === this.generation) this.down('the controller ended the stream');
    });
    call.write({
      body: {
        $case: 'hello',
        value: {
          host: this.name,
          labels: this.options.labels,
          agentVersion: 'bench-simulator',
          lastSeq: BigInt(this.seq),
          instanceId: this.options.instanceId,
          pid: process.pid,
          startedMs: BigInt(Math.trunc(performance.timeOrigin)),
        },
      },
    });
    call.write({ body: { $case: 'snapshot', value: { processes: this.table.processes.map(toInfo) } } });
    this.helloTimer = setTimeout(() => this.down(`no HelloAck within ${HELLO_TIMEOUT_MS} ms`), HELLO_TIMEOUT_MS);
  }

  /** Ends the current stream (idempotent per stream) and schedules a reconnect unless closed. */
  private down(why: string): void {
    const call = this.call;
    if (call === null) return;
    this.call = null;
    this.generation++;
    this.up = false;
    this.draining = false;
    this.lastError = why;
    clearTimeout(this.helloTimer);
    clearInterval(this.heartbeatTimer);
    call.removeAllListeners('data');
    call.on('error', () => {}); // the cancel below reports CANCELLED
    call.cancel();
    this.client?.close();
    this.client = null;
    if (this.closed) return;
    // On the simulator's stderr (simulator-N.err in the bench dir, kept with --keep-temp).
    process.stderr.write(`${new Date().toISOString()} ${this.name}: stream down after ${this.sessions} session(s), acked ${this.acked} of ${this.seq}: ${why}\n`);
    const ceiling = Math.min(MAX_BACKOFF_MS, 100 * 2 ** this.attempts++);
    this.reconnectTimer = setTimeout(() => this.connect(), ceiling / 2 + Math.random() * (ceiling / 2));
  }

  private handle(message: ConnectResponse): void {
    this.lastHeard = Date.now();
    const body = message.body;
    switch (body?.$case) {
      case 'helloAck':
        this.helloAcked(Number(body.value.ackedSeq), body.value.heartbeatMs);
        return;
      case 'ack':
        this.ack(Number(body.value.seq));
        return;
      case 'heartbeat':
        return;
      case 'command':
        this.command(body.value);
        return;
      case 'logSubscribe':
        // No log files here: the backlog is empty, and a non-following subscription ends.
        this.write({ body: { $case: 'logChunk', value: { subscriptionId: body.value.id, group: '', name: '', channel: 0, timeMs: 0n, data: Buffer.alloc(0), backlogComplete: true } } });
        if (!body.value.follow) this.write({ body: { $case: 'logEnd', value: { subscriptionId: body.value.id, fault: '', message: '' } } });
        return;
      default:
        return;
    }
  }

  private helloAcked(ackedSeq: number, heartbeatMs: number): void {
    if (this.up) return;
    this.up = true;
    this.attempts = 0;
    this.sessions++;
    clearTimeout(this.helloTimer);
    if (ackedSeq > this.seq) {
      // The controller has seqs this simulator never assigned (a database from an earlier run):
      // carry on numbering after them, as an agent with a reset state_dir would be told to.
      this.seq = ackedSeq;
      this.unacked.clear();
      this.acked = ackedSeq;
    } else {
      this.trim(ackedSeq);
    }
    // Resend from the controller's ack; what this host already dropped on an earlier ack is gone.
    this.sent = Math.max(ackedSeq, this.acked);
    if (this.firstUpAt === 0) this.firstUpAt = wallMs();
    const interval = Math.max(100, heartbeatMs || 5000);
    this.lastHeard = Date.now();
    this.heartbeatTimer = setInterval(() => {
      if (Date.now() - this.lastHeard > 2 * interval) return this.down(`no message from the controller for ${Date.now() - this.lastHeard} ms`);
      this.write({ body: { $case: 'heartbeat', value: { timeMs: BigInt(Date.now()) } } });
    }, interval);
    this.checkWaiters();
    this.pump();
  }

  private ack(seq: number): void {
    if (seq <= this.acked) return;
    this.trim(seq);
    this.pump();
    this.checkWaiters();
  }

  private trim(seq: number): void {
    if (seq <= this.acked) return;
    this.unacked.drop(seq - this.acked);
    this.acked = Math.min(seq, this.seq);
  }

  private emit(changes: SimChange[]): void {
    const time = Date.now();
    for (const change of changes) this.unacked.append(++this.seq, time, change);
  }

  /** Sends what the window allows, in seq order; new flood events are made only when there is room for them. */
  private pump(): void {
    if (!this.up || this.draining) return;
    const call = this.call!;
    for (;;) {
      while (this.floodLeft > 0 && this.seq - this.acked < this.options.window) {
        this.floodLeft--;
        this.emit([this.table.nextFloodChange()]);
      }
      const limit = Math.min(this.seq, this.acked + this.options.window, this.sent + this.options.batch);
      if (limit <= this.sent) return;
      const request = this.unacked.eventsRequest(this.sent - this.acked, limit - this.acked);
      this.sent = limit;
      if (!call.write(request)) {
        this.draining = true;
        const generation = this.generation;
        call.once('drain', () => {
          if (generation !== this.generation) return;
          this.draining = false;
          this.pump();
        });
        return;
      }
    }
  }

  private command(command: Command): void {
    this.commands++;
    this.lastCommandAt = wallMs();
    const action = command.action;
    const reply: CommandResult = { id: command.id, results: [], reread: undefined, update: undefined, fault: '', message: '' };
    switch (action?.$case) {
      case 'restart':
      case 'start':
      case 'stop': {
        const kind = action.$case;
        const results: SimResult[] = [];
        for (const p of this.table.select(action.value.selectors)) {
          const outcome = this.table[kind](p);
          this.emit(outcome.changes);
          results.push(outcome.result);
        }
        reply.results = results.map(toProtoResult);
        break;
      }
      case 'signal':
        reply.results = this.table.select(action.value.selectors).map((p) => toProtoResult(this.table.signal(p)));
        break;
      case 'reread':
        reply.reread = { added: [], changed: [], removed: [] };
        break;
      case 'update':
        reply.update = { updates: [] };
        break;
      default:
        reply.fault = 'INCORRECT_PARAMETERS';
        reply.message = 'the bench simulator does not know that command';
    }
    // The transitions go out before the result, as they happen before the agent answers.
    this.pump();
    this.write({ body: { $case: 'result', value: reply } });
  }

  private write(message: ConnectRequest): void {
    if (this.up) this.call?.write(message);
  }
}
