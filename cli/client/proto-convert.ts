/**
 * AgentControlService messages to and from fleetctl's domain types (agent-client.ts), on the
 * client's side. Only the gRPC clients (grpc-agent-client.ts, fleet-convert.ts) import this module.
 */
import type { GroupUpdate, GroupUpdateAction as DomainAction } from '../../common/group-update.js';
import type { ProcessInfo, ProcessResult } from '../../common/process-info.js';
import type { ProcessState as DomainState } from '../../common/process-state.js';
import {
  GroupUpdateAction,
  LogChannel as ProtoLogChannel,
  type GroupUpdate as ProtoGroupUpdate,
  type ProcessResult as ProtoProcessResult,
  type ProcessTarget as ProtoProcessTarget,
} from '../../proto/gen/fleet/v1/agent_control.js';
import type { ProcessState, ProcessInfo as ProtoProcessInfo } from '../../proto/gen/fleet/v1/process.js';
import { fromProtoProcessInfo as fromWireProcessInfo, fromProtoState as fromWireState } from '../../proto/process-convert.js';
import type { LogChannel, ProcessTarget } from './agent-client.js';
import { toErrorCode } from './wire-errors.js';

const ACTION_FROM_PROTO: Partial<Record<GroupUpdateAction, DomainAction>> = {
  [GroupUpdateAction.GROUP_UPDATE_ACTION_NO_SUCH_GROUP]: 'no-such-group',
  [GroupUpdateAction.GROUP_UPDATE_ACTION_REMOVED]: 'removed',
  [GroupUpdateAction.GROUP_UPDATE_ACTION_CHANGED]: 'changed',
  [GroupUpdateAction.GROUP_UPDATE_ACTION_ADDED]: 'added',
};

/** A wire state as its name; one this build does not know reads as UNKNOWN. */
export function fromProtoState(state: ProcessState): DomainState {
  return fromWireState(state, 'as-unknown');
}

export function fromProtoProcessInfo(info: ProtoProcessInfo): ProcessInfo {
  return fromWireProcessInfo(info, 'as-unknown');
}

export function fromProtoResult(result: ProtoProcessResult): ProcessResult {
  return {
    name: result.name,
    group: result.group,
    code: result.fault === '' ? 'SUCCESS' : toErrorCode(result.fault),
    description: result.description,
  };
}

export function fromProtoGroupUpdate(update: ProtoGroupUpdate): GroupUpdate {
  const code = update.fault === '' ? 'SUCCESS' : toErrorCode(update.fault);
  return {
    group: update.group,
    action: ACTION_FROM_PROTO[update.action] ?? 'changed',
    code,
    description: code === 'SUCCESS' ? 'OK' : update.description,
    restarted: update.restarted.map(({ group, name }) => ({ group, name })),
    added: update.added.map(({ group, name }) => ({ group, name })),
    removed: update.removed.map(({ group, name }) => ({ group, name })),
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
