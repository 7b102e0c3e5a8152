/**
 * FleetService messages to and from fleetctl's domain types (controller-client.ts), on the
 * client's side: scopes, hosts, host errors, history entries, log chunks. Process infos,
 * results and group updates convert as the agent client's do (proto-convert.ts).
 */
import type { HostScope } from '../../common/address.js';
import type { FleetEntry, HistoryEvent } from '../../common/fleet-event.js';
import type { HostInfo, HostLiveness as DomainLiveness } from '../../common/host.js';
import { ProcessStates, type ProcessState } from '../../common/process-state.js';
import type { HostEvent } from '../../proto/gen/fleet/v1/events.js';
import {
  ControlAction as ProtoAction,
  HostLiveness,
  type Host,
  type HostError as ProtoHostError,
  type HistoryEntry,
  type LogLine,
  type Scope,
} from '../../proto/gen/fleet/v1/fleet.js';
import { LogChannel as ProtoLogChannel } from '../../proto/gen/fleet/v1/agent_control.js';
import type { ControlAction, HostError, LogChunk } from './controller-client.js';
import { fromProtoState } from './proto-convert.js';
import { errorCodeOf } from '../../common/errors.js';

const LIVENESS_FROM_PROTO: Partial<Record<HostLiveness, DomainLiveness>> = {
  [HostLiveness.HOST_LIVENESS_CONNECTED]: 'connected',
  [HostLiveness.HOST_LIVENESS_STALE]: 'stale',
  [HostLiveness.HOST_LIVENESS_DISCONNECTED]: 'disconnected',
};

const ACTION_TO_PROTO: Record<ControlAction, ProtoAction> = {
  start: ProtoAction.CONTROL_ACTION_START,
  stop: ProtoAction.CONTROL_ACTION_STOP,
  restart: ProtoAction.CONTROL_ACTION_RESTART,
  signal: ProtoAction.CONTROL_ACTION_SIGNAL,
};

/** int64 fields arrive as bigint; times and seqs fit a double. */
const num = (value: bigint): number => Number(value);

/** A liveness this build does not know reads as disconnected: commands to it fail fast anyway. */
export function fromProtoLiveness(liveness: HostLiveness): DomainLiveness {
  return LIVENESS_FROM_PROTO[liveness] ?? 'disconnected';
}

export function toProtoScope(scope: HostScope): Scope {
  switch (scope.kind) {
    case 'host':
      return { scope: { $case: 'host', value: scope.host } };
    case 'all':
      return { scope: { $case: 'allHosts', value: true } };
    case 'labels':
      return { scope: { $case: 'labels', value: { labels: { ...scope.selector } } } };
  }
}

export function toProtoAction(action: ControlAction): ProtoAction {
  return ACTION_TO_PROTO[action];
}

export function fromProtoHost(host: Host): HostInfo {
  const counts: Partial<Record<ProcessState, number>> = {};
  for (const [state, n] of Object.entries(host.counts)) {
    if (Object.hasOwn(ProcessStates, state)) counts[state as ProcessState] = n;
  }
  return {
    name: host.name,
    labels: { ...host.labels },
    liveness: fromProtoLiveness(host.liveness),
    agentVersion: host.agentVersion,
    lastSeen: num(host.lastSeenMs),
    connectedAt: num(host.connectedAtMs),
    peer: host.peer,
    lastSeq: num(host.lastSeq),
    counts,
  };
}

export function fromProtoHostError(error: ProtoHostError): HostError {
  return { host: error.host, code: errorCodeOf(error.fault), message: error.message };
}

function fromProtoHostEvent(host: string, event: HostEvent): HistoryEvent | null {
  const base = { host, seq: num(event.seq), time: num(event.timeMs) };
  const kind = event.kind;
  switch (kind?.$case) {
    case 'transition': {
      const t = kind.value;
      return { ...base, kind: 'transition', group: t.group, name: t.name, from: fromProtoState(t.from), to: fromProtoState(t.to), pid: t.pid };
    }
    case 'exit': {
      const x = kind.value;
      return {
        ...base,
        kind: 'exit',
        group: x.group,
        name: x.name,
        pid: x.pid,
        exitStatus: x.status?.$case === 'exitStatus' ? x.status.value : null,
        signal: x.status?.$case === 'signal' ? x.status.value : null,
        expected: x.expected,
      };
    }
    case 'gap':
      return { ...base, kind: 'gap', fromSeq: num(kind.value.fromSeq), toSeq: num(kind.value.toSeq) };
    default:
      return null;
  }
}

/** One history or watch entry; null for a kind this build does not know (skipped, not fatal). */
export function fromProtoHistoryEntry(entry: HistoryEntry): FleetEntry | null {
  const body = entry.body;
  switch (body?.$case) {
    case 'event':
      return fromProtoHostEvent(entry.host, body.value);
    case 'action': {
      const a = body.value;
      return {
        kind: 'action',
        id: num(a.id),
        time: num(a.timeMs),
        who: a.who,
        origin: a.origin,
        action: a.action,
        addresses: [...a.addresses],
        hosts: [...a.hosts],
        result: a.result,
      };
    }
    case 'liveness':
      return { kind: 'liveness', host: entry.host, liveness: fromProtoLiveness(body.value.liveness), time: num(body.value.timeMs) };
    default:
      return null;
  }
}

export function fromProtoLogLine(line: LogLine): LogChunk {
  return {
    host: line.host,
    group: line.group,
    name: line.name,
    channel: line.channel === ProtoLogChannel.LOG_CHANNEL_STDERR ? 'stderr' : 'stdout',
    time: num(line.timeMs),
    data: line.data,
  };
}
