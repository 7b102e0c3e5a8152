/**
 * What fleetctl needs from one fleet-agent, in domain types. The gRPC implementation lives in
 * cli/client/grpc-agent-client.ts (the only CLI module that imports generated proto types); the
 * commands in cli/commands/ see only this interface, so their output can be tested against a
 * real agent or, for pure formatting tests, against plain data.
 *
 * Every method rejects with a FleetError (common/errors.ts) whose code is Supervisor's fault name
 * as the agent sent it (BAD_NAME, NO_FILE, ALREADY_STARTED...), or, for transport problems:
 * HOST_UNREACHABLE (no agent listening: refused connection, no socket file) with the URL in the
 * message, and INTERNAL for anything unexpected. UNAUTHENTICATED answers become
 * FleetError('FAILED', 'Server requires authentication').
 */
import type { GroupUpdate } from '../../common/group-update.js';
import type { ProcessInfo, ProcessResult } from '../../common/process-info.js';

export type { GroupUpdate, GroupUpdateAction } from '../../common/group-update.js';

/** A process by group and name; for `[program:x]` both are `x`. */
export interface ProcessName {
  group: string;
  name: string;
}

/** One process, one group (`g:*`, `g:`), or everything (`all`). */
export type ProcessTarget = { process: ProcessName } | { group: string } | { all: true };

export type LogChannel = 'stdout' | 'stderr';

export interface AgentState {
  version: string;
  /** "3.0", the Supervisor API version mirrored. */
  apiVersion: string;
  identification: string;
  pid: number;
  state: 'RUNNING' | 'RESTARTING' | 'SHUTDOWN';
}

export interface ReadLogRequest {
  /** null: the agent's activity log. */
  process: ProcessName | null;
  channel: LogChannel;
  offset: number;
  length: number;
  /** tailProcess*Log semantics (last `length` bytes, overflow flag). */
  tail: boolean;
}

export interface ReadLogResult {
  data: Buffer;
  offset: number;
  overflow: boolean;
}

export interface RereadResult {
  added: string[];
  changed: string[];
  removed: string[];
}

export interface ProcessConfigSummary {
  group: string;
  name: string;
  inUse: boolean;
  autostart: boolean;
  groupPriority: number;
  processPriority: number;
}

export interface AgentClient {
  /** The URL it talks to, as the user gave it (`unix:///run/supervisor.sock`, `http://127.0.0.1:9001`). */
  readonly url: string;
  getState(signal?: AbortSignal): Promise<AgentState>;
  listProcesses(signal?: AbortSignal): Promise<ProcessInfo[]>;
  getProcess(process: ProcessName, signal?: AbortSignal): Promise<ProcessInfo>;
  start(target: ProcessTarget, wait: boolean, signal?: AbortSignal): Promise<ProcessResult[]>;
  stop(target: ProcessTarget, wait: boolean, signal?: AbortSignal): Promise<ProcessResult[]>;
  signal(target: ProcessTarget, signalName: string, signal?: AbortSignal): Promise<ProcessResult[]>;
  readLog(request: ReadLogRequest, signal?: AbortSignal): Promise<ReadLogResult>;
  /** Yields the backlog, then new bytes as they arrive, until `signal` aborts. `truncated` marks a shrink. */
  followLog(
    request: { process: ProcessName | null; channel: LogChannel; backlog: number },
    signal: AbortSignal,
  ): AsyncIterable<{ data: Buffer; truncated: boolean }>;
  clearLogs(target: ProcessTarget, signal?: AbortSignal): Promise<ProcessResult[]>;
  reread(signal?: AbortSignal): Promise<RereadResult>;
  /**
   * supervisorctl's `update [all|g...]` in one call: rereads the config (CANT_REREAD,
   * SHUTDOWN_STATE reject), then removes, updates and adds groups. `names` empty or holding `all`
   * means every group. Resolves to one GroupUpdate per group acted on, in the order supervisorctl
   * prints them (unknown names, removed, changed, added); see common/group-update.ts for the lines.
   */
  updateGroups(names: string[], signal?: AbortSignal): Promise<GroupUpdate[]>;
  addGroup(name: string, signal?: AbortSignal): Promise<void>;
  removeGroup(name: string, signal?: AbortSignal): Promise<void>;
  listConfigs(signal?: AbortSignal): Promise<ProcessConfigSummary[]>;
  sendStdin(process: ProcessName, data: Buffer, signal?: AbortSignal): Promise<void>;
  /** shutdown, or restart (reload) when `restart`. */
  shutdown(restart: boolean, signal?: AbortSignal): Promise<void>;
  /** Closes the channel. Idempotent. */
  close(): void;
}
