/**
 * What fleetctl needs from fleet-controller's FleetService, in domain types. The gRPC
 * implementation is grpc-controller-client.ts (with fleet-convert.ts, the only CLI modules that
 * see FleetService's generated types); the cluster commands (cli/cluster/) see only this
 * interface, so their output can be tested against plain data.
 *
 * Errors: a call that fails as a whole rejects with a FleetError whose code is the
 * controller's fault (BAD_ADDRESS, INCORRECT_PARAMETERS, SHUTDOWN_STATE...). A controller that
 * cannot be reached (refused, unknown name, dropped, no answer in time) is HOST_UNREACHABLE
 * with the controller's address in the message and, as cause, an Error whose `code` is the
 * errno (ECONNREFUSED...). Calls that fan out never fail for one host: hosts that are down or
 * unknown come back as HostErrors among the results. A call whose AbortSignal fires is
 * cancelled; a stream then simply ends, a unary call rejects with the signal's reason.
 */
import type { HostScope } from '../../common/address.js';
import type { ErrorCode } from '../../common/errors.js';
import type { FleetEntry, HistoryEvent } from '../../common/fleet-event.js';
import type { GroupUpdate } from '../../common/group-update.js';
import type { HostInfo, LabelSelector } from '../../common/host.js';
import type { ProcessInfo, ProcessResult } from '../../common/process-info.js';
import type { LogChannel, RereadResult } from './agent-client.js';

export type { FleetEntry, HistoryEvent } from '../../common/fleet-event.js';
export type { HostInfo } from '../../common/host.js';
export type { LogChannel, RereadResult } from './agent-client.js';

/**
 * A host that could not take part (HOST_UNREACHABLE, NO_SUCH_HOST), or an address that reached
 * nothing (BAD_NAME). `host` is '' when the error is about no host in particular.
 */
export interface HostError {
  host: string;
  code: ErrorCode;
  message: string;
}

export interface HostProcess {
  host: string;
  info: ProcessInfo;
}

export interface ProcessListing {
  /** Sorted by host, group, name. */
  processes: HostProcess[];
  /** Every host the request reached, with its liveness. */
  hosts: HostInfo[];
  errors: HostError[];
}

export type ControlAction = 'start' | 'stop' | 'restart' | 'signal';

export interface ControlRequest {
  scope: HostScope;
  addresses: readonly string[];
  action: ControlAction;
  /** For signal: a name (TERM, SIGHUP) or a number. */
  signal?: string;
  /** Wait until started (startsecs) or stopped, as supervisorctl does. */
  wait: boolean;
}

export type ControlOutcome = { kind: 'result'; host: string; result: ProcessResult } | { kind: 'host-error'; error: HostError };

/** One host's answer to a host-wide call (reread, update), or why it gave none. */
export type HostOutcome<T> = { kind: 'ok'; host: string; value: T } | { kind: 'host-error'; error: HostError };

export interface HostsRequest {
  scope: HostScope;
  /** Host globs; empty means the scope's hosts. */
  hosts: readonly string[];
}

export interface HistoryRequest {
  scope: HostScope;
  addresses: readonly string[];
  /** Epoch ms bounds, 0 for none. */
  since: number;
  until: number;
  /** The newest this many entries; 0 for the controller's default. */
  limit: number;
}

export interface LogsRequest {
  scope: HostScope;
  addresses: readonly string[];
  /** Empty means stdout. */
  channels: readonly LogChannel[];
  /** Backlog from this time, epoch ms (0: only new output when following, else the last bytes). */
  since: number;
  follow: boolean;
}

/** Output of one process as captured: a chunk may hold several lines or part of one. */
export interface LogChunk {
  host: string;
  group: string;
  name: string;
  channel: LogChannel;
  /** Capture time, epoch ms on the agent's clock. */
  time: number;
  data: Buffer;
}

export type LogOutcome = { kind: 'chunk'; chunk: LogChunk } | { kind: 'host-error'; error: HostError };

export interface HostRevocation {
  /** How many of the host's certificates were revoked (0: none was still valid). */
  revokedCertificates: number;
  /** Whether the host's live stream was ended. */
  disconnected: boolean;
}

export interface ControllerClient {
  /** The controller's address as the user gave it (`ctl.internal:7400`). */
  readonly address: string;
  /** Hosts matching the globs (empty: every host) and the label selector, with liveness and counts. */
  listHosts(query: { hosts: readonly string[]; labels?: LabelSelector }, signal?: AbortSignal): Promise<HostInfo[]>;
  /** The current view of the matching processes; a disconnected host's show their last known state. */
  listProcesses(scope: HostScope, addresses: readonly string[], signal?: AbortSignal): Promise<ProcessListing>;
  /** Fanned out to the hosts in parallel; yields each result and host error as it arrives. */
  control(request: ControlRequest, signal?: AbortSignal): AsyncIterable<ControlOutcome>;
  reread(request: HostsRequest, signal?: AbortSignal): AsyncIterable<HostOutcome<RereadResult>>;
  /** `groups` empty means every group. Yields one answer per host. */
  update(request: HostsRequest & { groups: readonly string[] }, signal?: AbortSignal): AsyncIterable<HostOutcome<GroupUpdate[]>>;
  /** Stored transitions, exits, gaps and operator actions, oldest first. */
  history(request: HistoryRequest, signal?: AbortSignal): Promise<HistoryEvent[]>;
  /** The live stream of the same plus liveness changes, until `signal` aborts or the controller ends it. */
  watchEvents(request: { scope: HostScope; addresses: readonly string[] }, signal: AbortSignal): AsyncIterable<FleetEntry>;
  /** Log output merged across hosts in capture-time order; with `follow`, until `signal` aborts. */
  logs(request: LogsRequest, signal: AbortSignal): AsyncIterable<LogOutcome>;
  /**
   * Revokes a host (secure mode, admin): its live stream ends at once and its certificates are
   * refused from then on. NO_SUCH_HOST for a host nobody knows; FAILED on an insecure controller.
   */
  revokeHost(host: string, signal?: AbortSignal): Promise<HostRevocation>;
  /** Closes the connection once calls in progress end. Idempotent. */
  close(): void;
}
