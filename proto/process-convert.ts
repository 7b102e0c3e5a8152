/**
 * ProcessInfo, ProcessState, ProcessResult and GroupUpdate between the domain (common/) and
 * fleet.v1's wire types: the one copy the agent's adapters, the controller's and fleetctl's
 * share. Domain times are epoch seconds as in Supervisor's API (0 = never); the wire carries
 * epoch milliseconds.
 */
import { errorCodeOf, FleetError } from '../common/errors.js';
import type { GroupUpdate, GroupUpdateAction as DomainAction } from '../common/group-update.js';
import type { ProcessInfo, ProcessResult, TransitionDetail } from '../common/process-info.js';
import { processStateCode, type ProcessState as DomainState } from '../common/process-state.js';
import { GroupUpdateAction, type GroupUpdate as ProtoGroupUpdate, type ProcessResult as ProtoProcessResult } from './gen/fleet/v1/agent_control.js';
import { ProcessState, type ProcessInfo as ProtoProcessInfo } from './gen/fleet/v1/process.js';

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

const STATE_FROM_PROTO = new Map<ProcessState, DomainState>(Object.entries(STATE_TO_PROTO).map(([name, code]) => [code, name as DomainState]));

/** How a decoder treats a state this build does not know (or an unset one). */
export type UnknownState = 'reject' | 'as-unknown';

export function toProtoState(state: DomainState): ProcessState {
  return STATE_TO_PROTO[state];
}

/**
 * A wire state as its name. `reject` (the controller, reading what agents send) fails with
 * BAD_ARGUMENTS; `as-unknown` (fleetctl, showing what it is told) reads it as UNKNOWN.
 */
export function fromProtoState(state: ProcessState, unknown: UnknownState): DomainState {
  const name = STATE_FROM_PROTO.get(state);
  if (name) return name;
  if (unknown === 'as-unknown') return 'UNKNOWN';
  throw new FleetError('BAD_ARGUMENTS', `unknown process state ${state}`);
}

const toMs = (epochSeconds: number): bigint => BigInt(Math.round(epochSeconds * 1000));
const toSeconds = (epochMs: bigint): number => Math.trunc(Number(epochMs) / 1000);

export function toProtoProcessInfo(info: ProcessInfo): ProtoProcessInfo {
  return {
    group: info.group,
    name: info.name,
    state: STATE_TO_PROTO[info.statename],
    description: info.description,
    pid: info.pid,
    startMs: toMs(info.start),
    stopMs: toMs(info.stop),
    spawnError: info.spawnerr,
    exitStatus: info.exitstatus,
    stdoutLogfile: info.stdoutLogfile,
    stderrLogfile: info.stderrLogfile,
    nowMs: toMs(info.now),
  };
}

/** `reject` also refuses a process without a group or name. */
export function fromProtoProcessInfo(info: ProtoProcessInfo, unknown: UnknownState): ProcessInfo {
  if (unknown === 'reject' && (info.name === '' || info.group === '')) throw new FleetError('BAD_ARGUMENTS', 'a process without a group or name');
  const statename = fromProtoState(info.state, unknown);
  return {
    name: info.name,
    group: info.group,
    description: info.description,
    start: toSeconds(info.startMs),
    stop: toSeconds(info.stopMs),
    now: toSeconds(info.nowMs),
    state: processStateCode(statename),
    statename,
    spawnerr: info.spawnError,
    exitstatus: info.exitStatus,
    stdoutLogfile: info.stdoutLogfile,
    stderrLogfile: info.stderrLogfile,
    pid: info.pid,
  };
}

/** A transition's detail as ProcessTransition's fields (all zero when it is unknown). */
export function toProtoTransitionDetail(detail: TransitionDetail | null): { startMs: bigint; stopMs: bigint; exitStatus: number; spawnError: string } {
  if (detail === null) return { startMs: 0n, stopMs: 0n, exitStatus: 0, spawnError: '' };
  return { startMs: toMs(detail.start), stopMs: toMs(detail.stop), exitStatus: detail.exitstatus, spawnError: detail.spawnerr };
}

export function fromProtoTransitionDetail(t: { startMs: bigint; stopMs: bigint; exitStatus: number; spawnError: string }): TransitionDetail {
  return { start: toSeconds(t.startMs), stop: toSeconds(t.stopMs), exitstatus: t.exitStatus, spawnerr: t.spawnError };
}

export function toProtoResult(result: ProcessResult): ProtoProcessResult {
  return { group: result.group, name: result.name, fault: result.code === 'SUCCESS' ? '' : result.code, description: result.description };
}

const ACTION_TO_PROTO: Record<DomainAction, GroupUpdateAction> = {
  'no-such-group': GroupUpdateAction.GROUP_UPDATE_ACTION_NO_SUCH_GROUP,
  removed: GroupUpdateAction.GROUP_UPDATE_ACTION_REMOVED,
  changed: GroupUpdateAction.GROUP_UPDATE_ACTION_CHANGED,
  added: GroupUpdateAction.GROUP_UPDATE_ACTION_ADDED,
};

const ACTION_FROM_PROTO = new Map<GroupUpdateAction, DomainAction>(Object.entries(ACTION_TO_PROTO).map(([name, code]) => [code, name as DomainAction]));

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

/** An action this build does not know reads as `changed`; a fault it does not know as FAILED. */
export function fromProtoGroupUpdate(update: ProtoGroupUpdate): GroupUpdate {
  const code = update.fault === '' ? 'SUCCESS' : errorCodeOf(update.fault);
  return {
    group: update.group,
    action: ACTION_FROM_PROTO.get(update.action) ?? 'changed',
    code,
    description: code === 'SUCCESS' ? 'OK' : update.description,
    restarted: update.restarted.map(({ group, name }) => ({ group, name })),
    added: update.added.map(({ group, name }) => ({ group, name })),
    removed: update.removed.map(({ group, name }) => ({ group, name })),
  };
}
