/**
 * Domain types to and from the generated AgentControlService messages, on the agent's side.
 * The rest of the agent never sees a generated type.
 */
import { FleetError } from '../../common/errors.js';
import { LogChannel, type ProcessName, type ProcessTarget } from '../../proto/gen/fleet/v1/agent_control.js';
import { toProtoGroupUpdate, toProtoProcessInfo, toProtoResult, toProtoState } from '../../proto/process-convert.js';
import type { ProcessRef } from '../engine/supervisor.js';

/** What a bulk call acts on. */
export type Target = { kind: 'process'; ref: ProcessRef } | { kind: 'group'; group: string } | { kind: 'all' };

export { toProtoGroupUpdate, toProtoProcessInfo, toProtoResult, toProtoState };

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
