/**
 * Domain values to and from the AgentService messages (proto/fleet/v1/agent_link.proto), on the
 * agent's side. Process info, results and group updates use the control API's adapters, so both
 * APIs say the same thing the same way.
 */
import type { ProcessResult } from '../../common/process-info.js';
import { LogChannel } from '../../proto/gen/fleet/v1/agent_control.js';
import type { Command, CommandResult, LogChunk, LogSubscribe } from '../../proto/gen/fleet/v1/agent_link.js';
import type { HostEvent, ProcessSelector as ProtoSelector } from '../../proto/gen/fleet/v1/events.js';
import { toProtoTransitionDetail } from '../../proto/process-convert.js';
import { toProtoGroupUpdate, toProtoProcessInfo, toProtoResult, toProtoState } from '../control/proto-adapters.js';
import type { ProcessRef } from '../engine/supervisor.js';
import type { CommandOutcome, LinkCommand } from './commands.js';
import type { SpooledEvent } from './link-event.js';
import type { Channel, TimedChunk } from './log-source.js';
import type { LogRequest } from './log-subscription.js';
import type { ProcessSelector } from './selection.js';

export function toProtoHostEvent(event: SpooledEvent): HostEvent {
  const base = { seq: BigInt(event.seq), timeMs: BigInt(Math.trunc(event.time)) };
  switch (event.kind) {
    case 'transition':
      return {
        ...base,
        kind: {
          $case: 'transition',
          value: {
            group: event.group,
            name: event.name,
            from: toProtoState(event.from),
            to: toProtoState(event.to),
            pid: event.pid,
            ...toProtoTransitionDetail(event.detail),
          },
        },
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

function fromProtoSelectors(selectors: readonly ProtoSelector[]): ProcessSelector[] {
  return selectors.map((s) => ({ group: s.group, process: s.process }));
}

/** The command in domain terms; null for an action this agent does not know (a newer controller). */
export function fromProtoCommand(command: Command): LinkCommand | null {
  const action = command.action;
  switch (action?.$case) {
    case 'start':
    case 'stop':
    case 'restart':
      return { kind: action.$case, selectors: fromProtoSelectors(action.value.selectors), wait: action.value.wait };
    case 'signal':
      return { kind: 'signal', selectors: fromProtoSelectors(action.value.selectors), signal: action.value.signal };
    case 'reread':
      return { kind: 'reread' };
    case 'update':
      return { kind: 'update', groups: action.value.names };
    default:
      return null;
  }
}

export function toProtoCommandResult(id: string, outcome: CommandOutcome): CommandResult {
  const result: CommandResult = { id, results: [], reread: undefined, update: undefined, fault: '', message: '' };
  switch (outcome.kind) {
    case 'processes':
      result.results = outcome.results.map((r: ProcessResult) => toProtoResult(r));
      break;
    case 'reread':
      result.reread = { added: outcome.added, changed: outcome.changed, removed: outcome.removed };
      break;
    case 'update':
      result.update = { updates: outcome.updates.map(toProtoGroupUpdate) };
      break;
    case 'fault':
      result.fault = outcome.code;
      result.message = outcome.message;
      break;
  }
  return result;
}

export function fromProtoLogSubscribe(request: LogSubscribe): LogRequest {
  const channels = request.channels
    .filter((c) => c === LogChannel.LOG_CHANNEL_STDOUT || c === LogChannel.LOG_CHANNEL_STDERR)
    .map((c): Channel => (c === LogChannel.LOG_CHANNEL_STDERR ? 'stderr' : 'stdout'));
  return {
    id: request.id,
    selectors: fromProtoSelectors(request.selectors),
    channels,
    sinceMs: Number(request.sinceMs),
    maxBacklogBytes: Number(request.maxBacklogBytes),
    follow: request.follow,
  };
}

export function toProtoLogChunk(subscriptionId: string, ref: ProcessRef, channel: Channel, chunk: TimedChunk): LogChunk {
  return {
    subscriptionId,
    group: ref.group,
    name: ref.name,
    channel: channel === 'stderr' ? LogChannel.LOG_CHANNEL_STDERR : LogChannel.LOG_CHANNEL_STDOUT,
    timeMs: BigInt(Math.trunc(chunk.time)),
    data: chunk.data,
    backlogComplete: false,
  };
}

export function backlogCompleteMarker(subscriptionId: string): LogChunk {
  return {
    subscriptionId,
    group: '',
    name: '',
    channel: LogChannel.LOG_CHANNEL_UNSPECIFIED,
    timeMs: 0n,
    data: Buffer.alloc(0),
    backlogComplete: true,
  };
}
