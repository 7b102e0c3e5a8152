/**
 * Process-level messages shared by both services, to and from the core's domain types:
 * ProcessInfo, ProcessResult, GroupUpdate, HostEvent, LogChannel. int64 fields are bigint on
 * the wire and numbers in the domain (seqs and epoch ms stay far below 2^53).
 */
import { errorCodeOf, FleetError } from '../../common/errors.js';
import type { AgentEvent } from '../../common/fleet-event.js';
import type { ProcessInfo, ProcessResult, TransitionDetail } from '../../common/process-info.js';
import type { ProcessState as DomainState } from '../../common/process-state.js';
import { LogChannel, type ProcessResult as ProtoProcessResult } from '../../proto/gen/fleet/v1/agent_control.js';
import type { HostEvent } from '../../proto/gen/fleet/v1/events.js';
import type { ProcessState, ProcessInfo as ProtoProcessInfo } from '../../proto/gen/fleet/v1/process.js';
import {
  fromProtoGroupUpdate,
  fromProtoProcessInfo as fromWireProcessInfo,
  fromProtoState as fromWireState,
  fromProtoTransitionDetail,
  toProtoGroupUpdate,
  toProtoProcessInfo,
  toProtoResult,
  toProtoState,
  toProtoTransitionDetail,
} from '../../proto/process-convert.js';
import type { LogChannelName } from '../core/link-protocol.js';

/** A state the agent must name; an unknown or unset one is a malformed message. */
export function fromProtoState(state: ProcessState): DomainState {
  return fromWireState(state, 'reject');
}

export function fromProtoProcessInfo(info: ProtoProcessInfo): ProcessInfo {
  return fromWireProcessInfo(info, 'reject');
}

export { fromProtoGroupUpdate, toProtoGroupUpdate, toProtoProcessInfo, toProtoResult, toProtoState };

export function fromProtoResult(result: ProtoProcessResult): ProcessResult {
  return { name: result.name, group: result.group, code: result.fault === '' ? 'SUCCESS' : errorCodeOf(result.fault), description: result.description || (result.fault === '' ? 'OK' : '') };
}

export function fromProtoChannel(channel: LogChannel): LogChannelName {
  return channel === LogChannel.LOG_CHANNEL_STDERR ? 'stderr' : 'stdout';
}

export function toProtoChannel(channel: LogChannelName): LogChannel {
  return channel === 'stderr' ? LogChannel.LOG_CHANNEL_STDERR : LogChannel.LOG_CHANNEL_STDOUT;
}

/** A uint64/int64 field as a number; BAD_ARGUMENTS beyond 2^53 (no real seq or time gets there). */
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

export function toSafeNumber(value: bigint, what: string): number {
  if (value > MAX_SAFE || value < MIN_SAFE) throw new FleetError('BAD_ARGUMENTS', `${what} ${value} is out of range`);
  return Number(value);
}

/** One event from an agent's batch, for `host` (the stream's); transitions keep their detail. */
export function fromProtoHostEvent(host: string, event: HostEvent): { event: AgentEvent; detail: TransitionDetail | null } {
  const seq = toSafeNumber(event.seq, 'seq');
  if (seq < 1) throw new FleetError('BAD_ARGUMENTS', `seq ${seq} is not positive`);
  const time = toSafeNumber(event.timeMs, 'time_ms');
  const kind = event.kind;
  switch (kind?.$case) {
    case 'transition': {
      const t = kind.value;
      if (t.group === '' || t.name === '') throw new FleetError('BAD_ARGUMENTS', `transition seq ${seq} names no process`);
      return {
        event: { kind: 'transition', host, seq, time, group: t.group, name: t.name, from: fromProtoState(t.from), to: fromProtoState(t.to), pid: t.pid },
        detail: fromProtoTransitionDetail(t),
      };
    }
    case 'exit': {
      const x = kind.value;
      const status = x.status;
      return {
        event: {
          kind: 'exit',
          host,
          seq,
          time,
          group: x.group,
          name: x.name,
          pid: x.pid,
          exitStatus: status?.$case === 'exitStatus' ? status.value : null,
          signal: status?.$case === 'signal' ? status.value : null,
          expected: x.expected,
        },
        detail: null,
      };
    }
    case 'gap': {
      const fromSeq = toSafeNumber(kind.value.fromSeq, 'gap from_seq');
      const toSeq = toSafeNumber(kind.value.toSeq, 'gap to_seq');
      if (fromSeq > toSeq) throw new FleetError('BAD_ARGUMENTS', `gap ${fromSeq}..${toSeq} is reversed`);
      return { event: { kind: 'gap', host, seq, time, fromSeq, toSeq }, detail: null };
    }
    default:
      throw new FleetError('BAD_ARGUMENTS', `event seq ${seq} has no kind`);
  }
}

export function toProtoHostEvent(event: AgentEvent): HostEvent {
  const base = { seq: BigInt(event.seq), timeMs: BigInt(event.time) };
  switch (event.kind) {
    case 'transition':
      return {
        ...base,
        kind: { $case: 'transition', value: { group: event.group, name: event.name, from: toProtoState(event.from), to: toProtoState(event.to), pid: event.pid, ...toProtoTransitionDetail(null) } },
      };
    case 'exit':
      return {
        ...base,
        kind: {
          $case: 'exit',
          value: {
            group: event.group,
            name: event.name,
            pid: event.pid,
            status: event.signal !== null ? { $case: 'signal', value: event.signal } : { $case: 'exitStatus', value: event.exitStatus ?? 0 },
            expected: event.expected,
          },
        },
      };
    case 'gap':
      return { ...base, kind: { $case: 'gap', value: { fromSeq: BigInt(event.fromSeq), toSeq: BigInt(event.toSeq) } } };
  }
}
