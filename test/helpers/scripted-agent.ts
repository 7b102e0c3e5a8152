/**
 * A scripted agent for the controller's tests: a real grpc-js client of AgentService.Connect
 * whose every message is written by the test (hello, snapshot, event batches, heartbeats,
 * command results, log chunks), recording everything the controller sends back. Real
 * fleet-agents take its place in the end-to-end tests.
 */
import { credentials, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { fnmatch } from '../../common/glob.js';
import { LogChannel } from '../../proto/gen/fleet/v1/agent_control.js';
import { AgentServiceDefinition, type Command, type CommandResult, type ConnectRequest, type ConnectResponse, type Hello, type HelloAck, type LogSubscribe } from '../../proto/gen/fleet/v1/agent_link.js';
import type { HostEvent } from '../../proto/gen/fleet/v1/events.js';
import type { ProcessInfo } from '../../proto/gen/fleet/v1/process.js';
import { toProtoState } from '../../proto/process-convert.js';
import type { ProcessState as ProcessStateName } from '../../common/process-state.js';
import { grpcClientConstructor, type GrpcClient } from '../../proto/grpc-js.js';
import { waitFor } from './wait-for.js';

const AgentClient = grpcClientConstructor(AgentServiceDefinition);

/** The states a scripted agent reports (the domain's names; UNKNOWN is never reported). */
export type ProtoState = Exclude<ProcessStateName, 'UNKNOWN'>;

/** A process as an agent reports it. */
export function protoProcess(group: string, name: string, state: ProtoState = 'RUNNING', pid = 0): ProcessInfo {
  return {
    group,
    name,
    state: toProtoState(state),
    description: state === 'RUNNING' ? `pid ${pid || 4242}, uptime 0:00:01` : 'Not started',
    pid: state === 'RUNNING' ? pid || 4242 : 0,
    startMs: state === 'RUNNING' ? 1_700_000_000_000n : 0n,
    stopMs: 0n,
    spawnError: '',
    exitStatus: 0,
    stdoutLogfile: '',
    stderrLogfile: '',
    nowMs: 1_700_000_001_000n,
  };
}

/** What an edge to `to` leaves on a process, as protoProcess reports it. */
function transitionDetail(to: ProtoState): { startMs: bigint; stopMs: bigint; exitStatus: number; spawnError: string } {
  const info = protoProcess('', '', to);
  return { startMs: info.startMs, stopMs: info.stopMs, exitStatus: info.exitStatus, spawnError: info.spawnError };
}

/** A transition event `seq` of `group:name` from `from` to `to`, with what the edge left on the process. */
export function transitionEvent(seq: number, group: string, name: string, from: ProtoState, to: ProtoState, timeMs = 1_700_000_000_000 + seq): HostEvent {
  const pid = to === 'RUNNING' || to === 'STARTING' ? 1000 + seq : 0;
  return {
    seq: BigInt(seq),
    timeMs: BigInt(timeMs),
    kind: { $case: 'transition', value: { group, name, from: toProtoState(from), to: toProtoState(to), pid, ...transitionDetail(to) } },
  };
}

export function exitEvent(seq: number, group: string, name: string, exitStatus: number, timeMs = 1_700_000_000_000 + seq): HostEvent {
  return { seq: BigInt(seq), timeMs: BigInt(timeMs), kind: { $case: 'exit', value: { group, name, pid: 1000, status: { $case: 'exitStatus', value: exitStatus }, expected: false } } };
}

export interface ScriptedAgentOptions {
  host: string;
  labels?: Record<string, string>;
  lastSeq?: number;
  /** Answer every command with SUCCESS for each of these processes that a selector matches. */
  autoAnswer?: boolean;
}

/** What the controller sent, by kind. */
export interface Received {
  acks: bigint[];
  heartbeats: number;
  commands: Command[];
  logSubscribes: LogSubscribe[];
  logCancels: string[];
}

export class ScriptedAgent {
  readonly received: Received = { acks: [], heartbeats: 0, commands: [], logSubscribes: [], logCancels: [] };
  /** The status the stream ended with, once it has. */
  status: ServiceError | { code: 0; details: string } | null = null;
  helloAck: HelloAck | null = null;
  /** Called with every message from the controller, as it arrives (before it is recorded). */
  onMessage: ((message: ConnectResponse) => void) | null = null;
  private readonly client: GrpcClient<typeof AgentServiceDefinition>;
  private readonly call: ClientDuplexStream<ConnectRequest, ConnectResponse>;
  private readonly ended: Promise<void>;

  private constructor(
    readonly address: string,
    readonly host: string,
  ) {
    this.client = new AgentClient(address, credentials.createInsecure());
    this.call = this.client.connect();
    this.call.on('data', (message: ConnectResponse) => this.receive(message));
    this.ended = new Promise<void>((resolve) => {
      this.call.on('error', (err: ServiceError) => {
        this.status ??= err;
        resolve();
      });
      this.call.on('status', (s: { code: number; details: string }) => {
        if (s.code === 0) this.status ??= { code: 0, details: s.details };
        resolve();
      });
    });
  }

  /** Opens a stream without saying anything (for tests of what comes before the hello). */
  static open(address: string, host = ''): ScriptedAgent {
    return new ScriptedAgent(address, host);
  }

  /** Opens a stream, says hello and waits for the HelloAck. */
  static async connect(address: string, options: ScriptedAgentOptions): Promise<ScriptedAgent> {
    const agent = new ScriptedAgent(address, options.host);
    agent.hello(options);
    await agent.waitFor(() => agent.helloAck !== null || agent.status !== null, 'a HelloAck');
    if (!agent.helloAck) throw new Error(`no HelloAck for ${options.host}: ${agent.status?.details}`);
    if (options.autoAnswer) agent.answerEveryCommand();
    return agent;
  }

  hello(options: ScriptedAgentOptions): void {
    const hello: Hello = {
      host: options.host,
      labels: options.labels ?? {},
      agentVersion: 'scripted-1',
      lastSeq: BigInt(options.lastSeq ?? 0),
      instanceId: 'scripted',
      pid: process.pid,
      startedMs: BigInt(Date.now()),
    };
    this.send({ body: { $case: 'hello', value: hello } });
  }

  send(message: ConnectRequest): void {
    this.call.write(message);
  }

  snapshot(processes: ProcessInfo[]): void {
    this.processes = processes;
    this.send({ body: { $case: 'snapshot', value: { processes } } });
  }

  events(events: HostEvent[]): void {
    this.send({ body: { $case: 'events', value: { events } } });
  }

  heartbeat(): void {
    this.send({ body: { $case: 'heartbeat', value: { timeMs: BigInt(Date.now()) } } });
  }

  result(result: Partial<CommandResult> & { id: string }): void {
    this.send({ body: { $case: 'result', value: { results: [], reread: undefined, update: undefined, fault: '', message: '', ...result } } });
  }

  logChunk(subscriptionId: string, group: string, name: string, timeMs: number, text: string): void {
    this.send({
      body: { $case: 'logChunk', value: { subscriptionId, group, name, channel: LogChannel.LOG_CHANNEL_STDOUT, timeMs: BigInt(timeMs), data: Buffer.from(text), backlogComplete: false } },
    });
  }

  backlogComplete(subscriptionId: string): void {
    this.send({ body: { $case: 'logChunk', value: { subscriptionId, group: '', name: '', channel: LogChannel.LOG_CHANNEL_STDOUT, timeMs: 0n, data: Buffer.alloc(0), backlogComplete: true } } });
  }

  logEnd(subscriptionId: string): void {
    this.send({ body: { $case: 'logEnd', value: { subscriptionId, fault: '', message: '' } } });
  }

  /** The processes of the last snapshot sent. */
  processes: ProcessInfo[] = [];

  /**
   * Answers every command (now and later): start, stop, restart and signal with one SUCCESS per
   * process of the last snapshot that a selector matches; reread with one added group.
   */
  answerEveryCommand(): void {
    const answer = (command: Command): void => {
      const action = command.action;
      if (!action) return;
      if (action.$case === 'reread') return this.result({ id: command.id, reread: { added: ['new'], changed: [], removed: [] } });
      if (action.$case === 'update') return this.result({ id: command.id, update: { updates: [] } });
      const matches = (p: ProcessInfo): boolean => action.value.selectors.some((s) => fnmatch(p.group, s.group) && fnmatch(p.name, s.process));
      const results = this.processes.filter(matches).map((p) => ({ group: p.group, name: p.name, fault: '', description: 'OK' }));
      this.result({ id: command.id, results });
    };
    for (const command of this.received.commands) answer(command);
    this.onCommand = answer;
  }

  private onCommand: ((command: Command) => void) | null = null;

  /** Waits for an ack of `seq` or beyond. */
  waitForAck(seq: number): Promise<bigint> {
    return this.waitFor(() => this.received.acks.find((a) => a >= BigInt(seq)), `an ack of seq ${seq} (acks so far: ${this.received.acks.join(', ')})`);
  }

  waitForCommand(index = 0): Promise<Command> {
    return this.waitFor(() => this.received.commands[index], `command #${index + 1}`);
  }

  waitForLogSubscribe(index = 0): Promise<LogSubscribe> {
    return this.waitFor(() => this.received.logSubscribes[index], `log subscription #${index + 1}`);
  }

  /** Resolves when the controller has ended the stream. */
  async waitForEnd(timeoutMs = 10_000): Promise<NonNullable<ScriptedAgent['status']>> {
    await this.waitFor(() => this.status !== null, 'the end of the stream', timeoutMs);
    return this.status!;
  }

  waitFor<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
    return waitFor(probe, { timeoutMs, what: `${this.host || 'agent'}: ${what}` });
  }

  /** Half-closes the stream (the agent is done) and waits for the controller's status. */
  async end(): Promise<void> {
    this.call.end();
    await Promise.race([this.ended, new Promise((r) => setTimeout(r, 2000))]);
    this.client.close();
  }

  /** Drops the stream at once, as a crashed agent would. Idempotent. */
  kill(): void {
    this.call.cancel();
    this.client.close();
  }

  private receive(message: ConnectResponse): void {
    this.onMessage?.(message);
    const body = message.body;
    switch (body?.$case) {
      case 'helloAck':
        this.helloAck = body.value;
        break;
      case 'ack':
        this.received.acks.push(body.value.seq);
        break;
      case 'heartbeat':
        this.received.heartbeats++;
        break;
      case 'command':
        this.received.commands.push(body.value);
        this.onCommand?.(body.value);
        break;
      case 'logSubscribe':
        this.received.logSubscribes.push(body.value);
        break;
      case 'logCancel':
        this.received.logCancels.push(body.value.id);
        break;
    }
  }
}
