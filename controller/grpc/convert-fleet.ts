/**
 * FleetService messages to and from the core's domain types: scopes, hosts, host errors,
 * history entries, log lines, and the processes of listings in both their forms.
 */
import type { HostScope } from '../../common/address.js';
import { FleetError } from '../../common/errors.js';
import type { HistoryEvent } from '../../common/fleet-event.js';
import type { HostInfo, HostLiveness as DomainLiveness } from '../../common/host.js';
import type { FleetEntry } from '../core/event-bus.js';
import type { ControlRequest as DomainControlRequest } from '../core/fan-out.js';
import type { LogLine as DomainLogLine } from '../core/log-fan-in.js';
import type { HostError as DomainHostError } from '../core/targets.js';
import type { ProcessInfo } from '../../common/process-info.js';
import {
  ControlAction,
  HostLiveness,
  HostProcesses,
  type ControlRequest,
  type HistoryEntry,
  type Host,
  type HostError,
  type HostProcess,
  type LogLine,
  type Scope,
} from '../../proto/gen/fleet/v1/fleet.js';
import { toProtoChannel, toProtoHostEvent, toProtoProcessInfo } from './convert-process.js';

const LIVENESS_TO_PROTO: Record<DomainLiveness, HostLiveness> = {
  connected: HostLiveness.HOST_LIVENESS_CONNECTED,
  stale: HostLiveness.HOST_LIVENESS_STALE,
  disconnected: HostLiveness.HOST_LIVENESS_DISCONNECTED,
};

/** An unset scope (or all_hosts = false) reaches the host named '' : no host, unless the address names one. */
export function fromProtoScope(scope: Scope | undefined): HostScope {
  const s = scope?.scope;
  switch (s?.$case) {
    case 'host':
      return { kind: 'host', host: s.value };
    case 'allHosts':
      return s.value ? { kind: 'all' } : { kind: 'host', host: '' };
    case 'labels':
      return { kind: 'labels', selector: { ...s.value.labels } };
    default:
      return { kind: 'host', host: '' };
  }
}

export function toProtoHost(host: HostInfo): Host {
  const counts: Record<string, number> = {};
  for (const [state, n] of Object.entries(host.counts)) if (n) counts[state] = n;
  return {
    name: host.name,
    labels: { ...host.labels },
    liveness: LIVENESS_TO_PROTO[host.liveness],
    agentVersion: host.agentVersion,
    lastSeenMs: BigInt(host.lastSeen),
    connectedAtMs: BigInt(host.connectedAt),
    peer: host.peer,
    lastSeq: BigInt(host.lastSeq),
    counts,
  };
}

export function toProtoHostError(error: DomainHostError): HostError {
  return { host: error.host, fault: error.code, message: error.message };
}

export function fromProtoControlRequest(request: ControlRequest): DomainControlRequest {
  const base = { scope: fromProtoScope(request.scope), addresses: request.addresses, wait: request.wait };
  switch (request.action) {
    case ControlAction.CONTROL_ACTION_START:
      return { ...base, action: 'start' };
    case ControlAction.CONTROL_ACTION_STOP:
      return { ...base, action: 'stop' };
    case ControlAction.CONTROL_ACTION_RESTART:
      return { ...base, action: 'restart' };
    case ControlAction.CONTROL_ACTION_SIGNAL:
      return { ...base, action: 'signal', signal: request.signal };
    default:
      throw new FleetError('INCORRECT_PARAMETERS', 'no action: give start, stop, restart or signal');
  }
}

export function toProtoHistoryEntry(entry: HistoryEvent | FleetEntry): HistoryEntry {
  switch (entry.kind) {
    case 'action':
      return {
        host: entry.hosts.length === 1 ? entry.hosts[0]! : '',
        body: {
          $case: 'action',
          value: {
            id: BigInt(entry.id),
            timeMs: BigInt(entry.time),
            who: entry.who,
            origin: entry.origin,
            action: entry.action,
            addresses: [...entry.addresses],
            hosts: [...entry.hosts],
            result: entry.result,
          },
        },
      };
    case 'liveness':
      return { host: entry.host, body: { $case: 'liveness', value: { liveness: LIVENESS_TO_PROTO[entry.liveness], timeMs: BigInt(entry.time) } } };
    default:
      return { host: entry.host, body: { $case: 'event', value: toProtoHostEvent(entry) } };
  }
}

export function toProtoLogLine(line: DomainLogLine): LogLine {
  return {
    host: line.host,
    group: line.group,
    name: line.name,
    channel: toProtoChannel(line.channel),
    timeMs: BigInt(line.time),
    data: Buffer.from(line.data.buffer, line.data.byteOffset, line.data.byteLength),
  };
}

/**
 * ListProcesses' processes in wire form, one host at a time: `processes` (a HostProcess per
 * process) or `host_processes` (an encoded HostProcesses per host, what fleetctl asks for).
 * What is made for a run of a host's processes is kept until the host changes: listings far
 * outnumber changes, and `status -A` over 1,000 hosts would otherwise convert and encode 20,000
 * infos each time. The core never changes an info; a change replaces it with a new object. So
 * a run is looked up by its first info and its form reused only while its infos are the very
 * same objects in the same order, and a reused form holds what converting them now would give
 * (a running process's description has the uptime of its last transition either way; fleetctl
 * counts it on from start_ms). Kept forms go with the infos they were made from.
 */
export class ListingForms {
  private readonly kept = new WeakMap<ProcessInfo, KeptRun>();

  processes(listed: readonly ListedProcess[]): HostProcess[] {
    const processes: HostProcess[] = [];
    for (const run of this.runs(listed)) {
      run.messages ??= run.infos.map((info) => ({ host: run.host, info: toProtoProcessInfo(info) }));
      for (const message of run.messages) processes.push(message);
    }
    return processes;
  }

  hostProcesses(listed: readonly ListedProcess[]): Buffer[] {
    return this.runs(listed).map((run) => {
      if (run.encoded === null) {
        const bytes = HostProcesses.encode({ host: run.host, processes: run.infos.map(toProtoProcessInfo) }).finish();
        run.encoded = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      }
      return run.encoded;
    });
  }

  /** The listing's runs of processes on one host (it lists them host by host), kept ones where nothing changed. */
  private runs(listed: readonly ListedProcess[]): KeptRun[] {
    const runs: KeptRun[] = [];
    for (let start = 0; start < listed.length; ) {
      const { host, info: first } = listed[start]!;
      let end = start + 1;
      while (end < listed.length && listed[end]!.host === host) end++;
      let run = this.kept.get(first);
      if (run === undefined || run.host !== host || !sameInfos(run.infos, listed, start, end)) {
        run = { host, infos: listed.slice(start, end).map((p) => p.info), messages: null, encoded: null };
        this.kept.set(first, run);
      }
      runs.push(run);
      start = end;
    }
    return runs;
  }
}

interface ListedProcess {
  host: string;
  info: ProcessInfo;
}

interface KeptRun {
  host: string;
  infos: readonly ProcessInfo[];
  messages: HostProcess[] | null;
  encoded: Buffer | null;
}

function sameInfos(infos: readonly ProcessInfo[], listed: readonly ListedProcess[], start: number, end: number): boolean {
  if (infos.length !== end - start) return false;
  for (let i = 0; i < infos.length; i++) if (infos[i] !== listed[start + i]!.info) return false;
  return true;
}
