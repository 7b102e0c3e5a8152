/**
 * Domain types to and from the generated AgentControlService messages, on the agent's side.
 * The rest of the agent never sees a generated type.
 */
import { FleetError } from '../../common/errors.js';
import type { GroupUpdate, GroupUpdateAction as DomainAction } from '../../common/group-update.js';
import type { ProcessInfo, ProcessResult } from '../../common/process-info.js';
import type { ProcessState as DomainState } from '../../common/process-state.js';
import {
  GroupUpdateAction,
  LogChannel,
  type GroupUpdate as ProtoGroupUpdate,
  type ProcessName,
  type ProcessResult as ProtoProcessResult,
  type ProcessTarget,
} from '../../proto/gen/fleet/v1/agent_control.js';
import { ProcessState, type ProcessInfo as ProtoProcessInfo } from '../../proto/gen/fleet/v1/process.js';
import type { ProcessRef } from '../engine/supervisor.js';

/** What a bulk call acts on. */
export type Target = { kind: 'process'; ref: ProcessRef } | { kind: 'group'; group: string } | { kind: 'all' };

const STATE_TO_PROTO: Record<DomainState, ProcessState> = {
  STOPPED: ProcessState.PROCESS_STATE_STOPPED,
  STARTING: ProcessState.PROCESS_STATE_STARTING,
  RUNNING: ProcessState.PROCESS_STATE_RUNNING,
  BACKOFF: ProcessState.PROCESS_STATE_BACKOFF,
  STOPPING: ProcessState.PROCESS_STATE_STOPPING,
  EXITED: ProcessState.PROCESS_STATE_EXITED,
  FATAL: ProcessState.PROCESS_STATE_FATAL,
  UNKNOWN: ProcessState.PROCESS_STATE_UNKNOWN,
};

const ACTION_TO_PROTO: Record<DomainAction, GroupUpdateAction> = {
  'no-such-group': GroupUpdateAction.GROUP_UPDATE_ACTION_NO_SUCH_GROUP,
  removed: GroupUpdateAction.GROUP_UPDATE_ACTION_REMOVED,
  changed: GroupUpdateAction.GROUP_UPDATE_ACTION_CHANGED,
  added: GroupUpdateAction.GROUP_UPDATE_ACTION_ADDED,
};

export function toProtoState(state: DomainState): ProcessState {
  return STATE_TO_PROTO[state];
}

/** Epoch seconds (0 = never) to a Timestamp (absent). */
function toDate(seconds: number): Date | undefined {
  return seconds === 0 ? undefined : new Date(seconds * 1000);
}

export function toProtoProcessInfo(info: ProcessInfo): ProtoProcessInfo {
  return {
    group: info.group,
    name: info.name,
    state: toProtoState(info.statename),
    description: info.description,
    pid: info.pid,
    start: toDate(info.start),
    stop: toDate(info.stop),
    spawnError: info.spawnerr,
    exitStatus: info.exitstatus,
    stdoutLogfile: info.stdoutLogfile,
    stderrLogfile: info.stderrLogfile,
    now: new Date(info.now * 1000),
  };
}

export function toProtoResult(result: ProcessResult): ProtoProcessResult {
  return {
    group: result.group,
    name: result.name,
    fault: result.code === 'SUCCESS' ? '' : result.code,
    description: result.description,
  };
}

export function toProtoGroupUpdate(update: GroupUpdate): ProtoGroupUpdate {
  return {
    group: update.group,
    action: ACTION_TO_PROTO[update.action],
    fault: update.code === 'SUCCESS' ? '' : update.code,
    description: update.code === 'SUCCESS' ? '' : update.description,
    restarted: update.restarted,
    added: update.added,
    removed: update.removed,
  };
}

/** INCORRECT_PARAMETERS when the request left the process out. */
export function fromProtoName(name: ProcessName | undefined): ProcessRef {
  if (!name || name.name === '') throw new FleetError('INCORRECT_PARAMETERS', 'a process name is required');
  return { group: name.group || name.name, name: name.name };
}

export function fromProtoTarget(target: ProcessTarget | undefined): Target {
  const t = target?.target;
  switch (t?.$case) {
    case 'process':
      return { kind: 'process', ref: fromProtoName(t.value) };
    case 'group':
      return { kind: 'group', group: t.value };
    case 'all':
      if (t.value) return { kind: 'all' };
      break;
  }
  throw new FleetError('INCORRECT_PARAMETERS', 'a process, a group or all is required');
}

export function fromProtoChannel(channel: LogChannel): 'stdout' | 'stderr' {
  return channel === LogChannel.LOG_CHANNEL_STDERR ? 'stderr' : 'stdout';
}

/** int64 fields (bigint) to numbers; log offsets stay far below 2^53. */
export function toNumber(value: bigint): number {
  return Number(value);
}
