/**
 * The agent link (proto/fleet/v1/agent_link.proto) in domain terms: what the core reads from
 * and writes to one agent's stream. controller/grpc converts to and from the wire types; the
 * core never sees generated code. The protocol itself is described in agent_link.proto's
 * header comment.
 */
import type { GroupUpdate } from '../../common/group-update.js';
import type { ProcessInfo, ProcessResult } from '../../common/process-info.js';
import type { EventRows } from '../../common/event-rows.js';

export interface AgentHello {
  host: string;
  labels: Record<string, string>;
  agentVersion: string;
  /** The highest seq the agent has assigned. */
  lastSeq: number;
  /** Changes each time the agent process starts. */
  instanceId: string;
  pid: number;
  startedAt: number;
}

export type LogChannelName = 'stdout' | 'stderr';

/** Selects processes on one host: both parts are fnmatch globs. */
export interface ProcessSelector {
  group: string;
  process: string;
}

export interface RereadOutcome {
  added: string[];
  changed: string[];
  removed: string[];
}

/** What an agent answered to one command. `fault` set means the command failed as a whole. */
export interface CommandReply {
  id: string;
  results: ProcessResult[];
  reread: RereadOutcome | null;
  update: GroupUpdate[] | null;
  fault: string;
  message: string;
}

export interface LogChunkIn {
  subscriptionId: string;
  group: string;
  name: string;
  channel: LogChannelName;
  /** Capture time on the agent, epoch ms. */
  time: number;
  data: Uint8Array;
  /** A marker with no data: the backlog is complete, what follows is live. */
  backlogComplete: boolean;
}

export type AgentMessage =
  | { kind: 'hello'; hello: AgentHello }
  | { kind: 'snapshot'; processes: ProcessInfo[] }
  | { kind: 'events'; rows: EventRows }
  | { kind: 'heartbeat'; time: number }
  | { kind: 'result'; reply: CommandReply }
  | { kind: 'log-chunk'; chunk: LogChunkIn }
  | { kind: 'log-end'; subscriptionId: string; fault: string; message: string };

export type ProcessAction = 'start' | 'stop' | 'restart';

export type AgentCommand =
  | { kind: ProcessAction; selectors: ProcessSelector[]; wait: boolean }
  | { kind: 'signal'; selectors: ProcessSelector[]; signal: string }
  | { kind: 'reread' }
  | { kind: 'update'; groups: string[] };

export interface LogSubscription {
  id: string;
  selectors: ProcessSelector[];
  channels: LogChannelName[];
  /** Backlog from this time, epoch ms (0: none). */
  since: number;
  /** At most this many backlog bytes per channel (0: the agent's default). */
  maxBacklogBytes: number;
  follow: boolean;
}

export type ControllerMessage =
  | { kind: 'hello-ack'; ackedSeq: number; heartbeatMs: number; controllerVersion: string }
  | { kind: 'ack'; seq: number }
  | { kind: 'heartbeat'; time: number }
  | { kind: 'command'; id: string; command: AgentCommand }
  | { kind: 'log-subscribe'; subscription: LogSubscription }
  | { kind: 'log-cancel'; id: string };

/**
 * One agent stream as the transport hands it to the core. The transport owns the socket; the
 * core reads `messages` until it ends and writes with `send`.
 */
export interface AgentStream {
  /** Where the stream comes from (`ipv4:127.0.0.1:50312`). */
  readonly peer: string;
  /**
   * The host name the transport has authenticated (the client certificate's identity under
   * mutual TLS), or null in insecure mode. When set, a hello for any other host is refused.
   */
  readonly identity: string | null;
  /** The agent's messages in order; ends when the agent closes its side. Throws on a broken stream. */
  readonly messages: AsyncIterable<AgentMessage>;
  /**
   * Writes one message. Resolves when the transport can take more (backpressure); rejects
   * once the stream is closed.
   */
  send(message: ControllerMessage): Promise<void>;
  /** Ends the stream: cleanly when `error` is absent, else with that error's status. Idempotent. */
  close(error?: Error): void;
}
