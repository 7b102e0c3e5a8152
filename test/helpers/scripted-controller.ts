/**
 * A stand-in for fleet-controller's AgentService, for testing the agent's side of the link: a
 * real grpc-js server on 127.0.0.1 that records what agents send and does what the test says
 * (ack or withhold acks, stay silent, send commands and log subscriptions, drop the stream).
 * It keeps a "store" as the controller would: every event seq it acked, so a test can check for
 * holes and doubles.
 */
import { Server, ServerCredentials, status, type ServerDuplexStream } from '@grpc/grpc-js';
import type { ProcessResult } from '../../common/process-info.js';
import type {
  Command,
  CommandResult,
  ConnectRequest,
  ConnectResponse,
  Hello,
  LogChunk,
  LogEnd,
  LogSubscribe,
  Snapshot,
} from '../../proto/gen/fleet/v1/agent_link.js';
import { AgentServiceDefinition } from '../../proto/gen/fleet/v1/agent_link.js';
import type { HostEvent } from '../../proto/gen/fleet/v1/events.js';
import { grpcServiceDefinition } from '../../proto/grpc-js.js';
import { waitFor } from './wait-for.js';

export interface Script {
  /** HelloAck.heartbeat_ms. */
  heartbeatMs: number;
  /** Answer Hello with HelloAck. */
  helloAck: boolean;
  /** Store each EventBatch and ack its highest seq. */
  autoAck: boolean;
  /** Send a Heartbeat every heartbeatMs. */
  heartbeats: boolean;
}

type Call = ServerDuplexStream<ConnectRequest, ConnectResponse>;

export class ScriptedConnection {
  readonly received: ConnectRequest[] = [];
  hello: Hello | null = null;
  readonly snapshots: Snapshot[] = [];
  readonly events: HostEvent[] = [];
  readonly results = new Map<string, CommandResult>();
  readonly logChunks: LogChunk[] = [];
  readonly logEnds: LogEnd[] = [];
  readonly heartbeatsReceived: number[] = [];
  ended = false;
  private timer: NodeJS.Timeout | undefined;
  private nextId = 0;

  constructor(
    readonly number: number,
    readonly call: Call,
    private readonly controller: ScriptedController,
  ) {
    call.on('data', (message: ConnectRequest) => this.onMessage(message));
    const done = (): void => this.finish();
    call.on('end', done);
    call.on('error', done);
    call.on('cancelled', done);
    call.on('close', done);
  }

  send(body: NonNullable<ConnectResponse['body']>): void {
    if (!this.ended) this.call.write({ body });
  }

  /** Sends a command and waits for its result. */
  async command(action: NonNullable<Command['action']>, timeoutMs = 15_000): Promise<CommandResult> {
    const id = `cmd-${this.number}-${++this.nextId}`;
    this.send({ $case: 'command', value: { id, action } });
    return waitFor(() => this.results.get(id), { timeoutMs, what: `the result of ${id}` });
  }

  subscribe(request: Omit<LogSubscribe, 'id'>): string {
    const id = `logs-${this.number}-${++this.nextId}`;
    this.send({ $case: 'logSubscribe', value: { ...request, id } });
    return id;
  }

  /** Ends the stream from the controller's side with UNAVAILABLE, as a controller going away does. */
  drop(): void {
    if (this.ended) return;
    this.call.emit('error', { code: status.UNAVAILABLE, details: 'dropped by the test' });
    this.finish();
  }

  /** Stops reading the agent's messages: HTTP/2 flow control then pushes back on the agent. */
  pause(): void {
    this.call.pause();
  }

  resume(): void {
    this.call.resume();
  }

  startHeartbeats(ms: number): void {
    this.timer = setInterval(() => this.send({ $case: 'heartbeat', value: { timeMs: BigInt(Date.now()) } }), ms);
  }

  private onMessage(message: ConnectRequest): void {
    this.received.push(message);
    const body = message.body;
    switch (body?.$case) {
      case 'hello':
        this.hello = body.value;
        this.controller.onHello(this);
        break;
      case 'snapshot':
        this.snapshots.push(body.value);
        break;
      case 'events':
        this.events.push(...body.value.events);
        this.controller.onEvents(this, body.value.events);
        break;
      case 'heartbeat':
        this.heartbeatsReceived.push(Date.now());
        break;
      case 'result':
        this.results.set(body.value.id, body.value);
        break;
      case 'logChunk':
        this.logChunks.push(body.value);
        break;
      case 'logEnd':
        this.logEnds.push(body.value);
        break;
    }
  }

  private finish(): void {
    this.ended = true;
    clearInterval(this.timer);
  }
}

export class ScriptedController {
  readonly connections: ScriptedConnection[] = [];
  /** Events the controller stored (acked), by seq. */
  readonly stored = new Map<number, HostEvent>();
  /** The highest seq acked: HelloAck's acked_seq. */
  ackedSeq = 0;
  /** Seqs an agent sent again after they had been acked. */
  readonly resentAfterAck: number[] = [];

  private constructor(
    private readonly server: Server,
    readonly address: string,
    readonly script: Script,
  ) {}

  static async start(script: Partial<Script> = {}, port = 0): Promise<ScriptedController> {
    const server = new Server();
    const full: Script = { heartbeatMs: 1000, helloAck: true, autoAck: true, heartbeats: true, ...script };
    let controller: ScriptedController | null = null;
    server.addService(grpcServiceDefinition(AgentServiceDefinition), {
      connect: (call: Call) => {
        const connection = new ScriptedConnection(controller!.connections.length + 1, call, controller!);
        controller!.connections.push(connection);
      },
    });
    const bound = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    controller = new ScriptedController(server, `127.0.0.1:${bound}`, full);
    return controller;
  }

  get port(): number {
    return Number(this.address.split(':')[1]);
  }

  get latest(): ScriptedConnection | undefined {
    return this.connections.at(-1);
  }

  /** Waits for the n-th connection (1-based) to have said Hello. */
  async connection(n: number, timeoutMs = 15_000): Promise<ScriptedConnection> {
    return waitFor(() => (this.connections[n - 1]?.hello ? this.connections[n - 1] : null), {
      timeoutMs,
      what: `connection ${n} with a Hello (${this.connections.length} so far)`,
    });
  }

  /** Stores and acks up to `seq` (what an autoAck controller does after each batch). */
  ack(connection: ScriptedConnection, seq: number): void {
    this.ackedSeq = Math.max(this.ackedSeq, seq);
    connection.send({ $case: 'ack', value: { seq: BigInt(this.ackedSeq) } });
  }

  onHello(connection: ScriptedConnection): void {
    if (!this.script.helloAck) return;
    connection.send({ $case: 'helloAck', value: { ackedSeq: BigInt(this.ackedSeq), heartbeatMs: this.script.heartbeatMs, controllerVersion: 'scripted' } });
    if (this.script.heartbeats) connection.startHeartbeats(this.script.heartbeatMs);
  }

  onEvents(connection: ScriptedConnection, events: readonly HostEvent[]): void {
    for (const event of events) {
      const seq = Number(event.seq);
      if (seq <= this.ackedSeq) this.resentAfterAck.push(seq);
      if (this.script.autoAck) this.stored.set(seq, event);
    }
    if (this.script.autoAck && events.length > 0) this.ack(connection, Number(events.at(-1)!.seq));
  }

  close(): void {
    for (const c of this.connections) c.drop();
    this.server.forceShutdown();
  }
}

/** A result's per-process outcomes as `name: FAULT` strings, sorted (fault '' is SUCCESS). */
export function outcomes(result: CommandResult): string[] {
  return result.results.map((r) => `${r.group}:${r.name}: ${r.fault || 'SUCCESS'}`).sort();
}

/** The domain form of a result's outcomes, for fleetctl's renderers. */
export function toDomainResults(result: CommandResult): ProcessResult[] {
  return result.results.map((r) => ({ group: r.group, name: r.name, code: (r.fault || 'SUCCESS') as ProcessResult['code'], description: r.description }));
}
