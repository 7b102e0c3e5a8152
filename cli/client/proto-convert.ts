/**
 * AgentControlService messages to and from fleetctl's domain types (agent-client.ts), on the
 * client's side. Only the gRPC clients (grpc-agent-client.ts, fleet-convert.ts) import this module.
 */
import type { GroupUpdate, GroupUpdateAction as DomainAction } from '../../common/group-update.js';
import type { ProcessInfo, ProcessResult } from '../../common/process-info.js';
import { processStateCode, type ProcessState as DomainState } from '../../common/process-state.js';
import {
  GroupUpdateAction,
  LogChannel as ProtoLogChannel,
  type GroupUpdate as ProtoGroupUpdate,
  type ProcessResult as ProtoProcessResult,
  type ProcessTarget as ProtoProcessTarget,
} from '../../proto/gen/fleet/v1/agent_control.js';
import { ProcessState, type ProcessInfo as ProtoProcessInfo } from '../../proto/gen/fleet/v1/process.js';
import type { LogChannel, ProcessTarget } from './agent-client.js';
import { toErrorCode } from './wire-errors.js';

const STATE_FROM_PROTO: Partial<Record<ProcessState, DomainState>> = {
  [ProcessState.PROCESS_STATE_STOPPED]: 'STOPPED',
  [ProcessState.PROCESS_STATE_STARTING]: 'STARTING',
  [ProcessState.PROCESS_STATE_RUNNING]: 'RUNNING',
  [ProcessState.PROCESS_STATE_BACKOFF]: 'BACKOFF',
  [ProcessState.PROCESS_STATE_STOPPING]: 'STOPPING',
  [ProcessState.PROCESS_STATE_EXITED]: 'EXITED',
  [ProcessState.PROCESS_STATE_FATAL]: 'FATAL',
  [ProcessState.PROCESS_STATE_UNKNOWN]: 'UNKNOWN',
};

const ACTION_FROM_PROTO: Partial<Record<GroupUpdateAction, DomainAction>> = {
  [GroupUpdateAction.GROUP_UPDATE_ACTION_NO_SUCH_GROUP]: 'no-such-group',
  [GroupUpdateAction.GROUP_UPDATE_ACTION_REMOVED]: 'removed',
  [GroupUpdateAction.GROUP_UPDATE_ACTION_CHANGED]: 'changed',
  [GroupUpdateAction.GROUP_UPDATE_ACTION_ADDED]: 'added',
};

const seconds = (date: Date | undefined): number => (date ? Math.trunc(date.getTime() / 1000) : 0);

/** A wire state as its name; one this build does not know reads as UNKNOWN. */
export function fromProtoState(state: ProcessState): DomainState {
  return STATE_FROM_PROTO[state] ?? 'UNKNOWN';
}

export function fromProtoProcessInfo(info: ProtoProcessInfo): ProcessInfo {
  const statename = fromProtoState(info.state);
  return {
    name: info.name,
    group: info.group,
    description: info.description,
    start: seconds(info.start),
    stop: seconds(info.stop),
    now: seconds(info.now),
    state: processStateCode(statename),
    statename,
    spawnerr: info.spawnError,
    exitstatus: info.exitStatus,
    stdoutLogfile: info.stdoutLogfile,
    stderrLogfile: info.stderrLogfile,
    pid: info.pid,
  };
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
