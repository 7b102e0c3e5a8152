/**
 * AgentControlService messages to and from fleetctl's domain types (agent-client.ts), on the
 * client's side. Only the gRPC clients (grpc-agent-client.ts, fleet-convert.ts) import this module.
 */
import { errorCodeOf } from '../../common/errors.js';
import type { ProcessInfo, ProcessResult } from '../../common/process-info.js';
import type { ProcessState as DomainState } from '../../common/process-state.js';
import {
  LogChannel as ProtoLogChannel,
  type ProcessResult as ProtoProcessResult,
  type ProcessTarget as ProtoProcessTarget,
} from '../../proto/gen/fleet/v1/agent_control.js';
import type { ProcessState, ProcessInfo as ProtoProcessInfo } from '../../proto/gen/fleet/v1/process.js';
import { fromProtoGroupUpdate, fromProtoProcessInfo as fromWireProcessInfo, fromProtoState as fromWireState } from '../../proto/process-convert.js';
import type { LogChannel, ProcessTarget } from './agent-client.js';

/** A wire state as its name; one this build does not know reads as UNKNOWN. */
export function fromProtoState(state: ProcessState): DomainState {
  return fromWireState(state, 'as-unknown');
}

export function fromProtoProcessInfo(info: ProtoProcessInfo): ProcessInfo {
  return fromWireProcessInfo(info, 'as-unknown');
}

export { fromProtoGroupUpdate };

export function fromProtoResult(result: ProtoProcessResult): ProcessResult {
  return {
    name: result.name,
    group: result.group,
    code: result.fault === '' ? 'SUCCESS' : errorCodeOf(result.fault),
    description: result.description,
  };
}

export function toProtoTarget(target: ProcessTarget): ProtoProcessTarget {
  if ('process' in target) return { target: { $case: 'process', value: { group: target.process.group, name: target.process.name } } };
  if ('group' in target) return { target: { $case: 'group', value: target.group } };
  return { target: { $case: 'all', value: true } };
}

export function toProtoChannel(channel: LogChannel): ProtoLogChannel {
  return channel === 'stderr' ? ProtoLogChannel.LOG_CHANNEL_STDERR : ProtoLogChannel.LOG_CHANNEL_STDOUT;
}
