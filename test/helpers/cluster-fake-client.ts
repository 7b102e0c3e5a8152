/**
 * An in-memory ControllerClient for fleetctl's cluster-mode command tests: canned answers per
 * call, streams from arrays (or held open until the call's signal aborts), every request
 * recorded, and a hook to make any call fail as a whole. It is no controller: it does not
 * resolve addresses or scopes, the tests give the answers they want printed.
 */
import type { HostScope } from '../../common/address.js';
import type { FleetEntry, HistoryEvent } from '../../common/fleet-event.js';
import type { GroupUpdate } from '../../common/group-update.js';
import type { HostInfo } from '../../common/host.js';
import type {
  ControlOutcome,
  ControlRequest,
  ControllerClient,
  HistoryRequest,
  HostOutcome,
  HostRevocation,
  HostsRequest,
  LogOutcome,
  LogsRequest,
  ProcessListing,
  RereadResult,
} from '../../cli/client/controller-client.js';
import { ClusterRunner } from '../../cli/cluster/cluster-runner.js';
import { ClusterSession } from '../../cli/cluster/cluster-session.js';
import { BufferWriter } from '../../cli/io.js';
import type { ScopeFlags } from '../../cli/cluster/scope.js';

export function host(name: string, extra: Partial<HostInfo> = {}): HostInfo {
  return {
    name,
    labels: {},
    liveness: 'connected',
    agentVersion: '0.1.0',
    lastSeen: NOW - 1000,
    connectedAt: NOW - 60_000,
    peer: '127.0.0.1:5555',
    lastSeq: 10,
    counts: {},
    ...extra,
  };
}

/** The fixed "now" of these tests (epoch ms): 5 s after the start of cli-fake-client's running processes. */
export const NOW = 1_700_000_005_000;

type Method = Exclude<keyof ControllerClient, 'address' | 'close'>;

export class FakeController implements ControllerClient {
  readonly address = '127.0.0.1:7400';
  readonly requests: Array<{ method: Method; request: unknown }> = [];
  readonly failures = new Map<Method, unknown>();
  hosts: HostInfo[] = [];
  listing: ProcessListing = { processes: [], hosts: [], errors: [] };
  controlOutcomes: ControlOutcome[] = [];
  rereadOutcomes: HostOutcome<RereadResult>[] = [];
  updateOutcomes: HostOutcome<GroupUpdate[]>[] = [];
  historyEntries: HistoryEvent[] = [];
  events: FleetEntry[] = [];
  logOutcomes: LogOutcome[] = [];
  /** Streams that follow (events, logs -f) stay open after their items until the signal aborts. */
  holdOpen = true;
  closed = 0;

  async listHosts(query: { hosts: readonly string[] }): Promise<HostInfo[]> {
    this.record('listHosts', query);
    return this.hosts;
  }

  async listProcesses(scope: HostScope, addresses: readonly string[]): Promise<ProcessListing> {
    this.record('listProcesses', { scope, addresses });
    return this.listing;
  }

  control(request: ControlRequest): AsyncIterable<ControlOutcome> {
    return this.stream('control', request, this.controlOutcomes, false);
  }

  reread(request: HostsRequest): AsyncIterable<HostOutcome<RereadResult>> {
    return this.stream('reread', request, this.rereadOutcomes, false);
  }

  update(request: HostsRequest & { groups: readonly string[] }): AsyncIterable<HostOutcome<GroupUpdate[]>> {
    return this.stream('update', request, this.updateOutcomes, false);
  }

  async history(request: HistoryRequest): Promise<HistoryEvent[]> {
    this.record('history', request);
    return this.historyEntries;
  }

  watchEvents(request: { scope: HostScope; addresses: readonly string[] }, signal: AbortSignal): AsyncIterable<FleetEntry> {
    return this.stream('watchEvents', request, this.events, this.holdOpen, signal);
  }

  logs(request: LogsRequest, signal: AbortSignal): AsyncIterable<LogOutcome> {
    return this.stream('logs', request, this.logOutcomes, request.follow && this.holdOpen, signal);
  }

  revocation: HostRevocation = { revokedCertificates: 1, disconnected: true };

  async revokeHost(host: string): Promise<HostRevocation> {
    this.record('revokeHost', { host });
    return this.revocation;
  }

  close(): void {
    this.closed++;
  }

  /** The requests made to one method. */
  requestsTo(method: Method): unknown[] {
    return this.requests.filter((r) => r.method === method).map((r) => r.request);
  }

  private record(method: Method, request: unknown): void {
    this.requests.push({ method, request });
    const failure = this.failures.get(method);
    if (failure !== undefined) throw failure;
  }

  private async *stream<T>(method: Method, request: unknown, items: readonly T[], follow: boolean, signal?: AbortSignal): AsyncIterable<T> {
    this.record(method, request);
    for (const item of items) {
      if (signal?.aborted) return;
      yield item;
    }
    if (!follow || !signal) return;
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  }
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunOptions {
  scope?: ScopeFlags;
  defaultHost?: string;
  output?: 'text' | 'json';
  tty?: boolean;
}

/** Starts one cluster command (as words) against `fake`, as `fleetctl --controller ... WORDS` would. */
export function startCluster(fake: FakeController, words: string[], options: RunOptions = {}): { runner: ClusterRunner; io: BufferWriter; done: Promise<RunResult> } {
  const io = new BufferWriter();
  const session = new ClusterSession({
    controller: { text: fake.address, host: '127.0.0.1', port: 7400 },
    scope: options.scope ?? {},
    defaultHost: options.defaultHost ?? 'web-1',
    output: options.output ?? 'text',
    connect: () => fake,
  });
  const runner = new ClusterRunner(session, io, { now: () => NOW, tty: options.tty ?? false });
  const done = runner.runWords(words).then(
    ({ code }) => ({ stdout: io.stdout, stderr: io.stderr, code }),
    (err: unknown) => {
      throw err;
    },
  ).finally(() => session.close());
  return { runner, io, done };
}

/** Runs one cluster command to its end. */
export function runCluster(fake: FakeController, words: string[], options: RunOptions = {}): Promise<RunResult> {
  return startCluster(fake, words, options).done;
}
