// The simulator's processes and changes in AgentService.Connect's wire types (the generated
// proto/gen types, as the agent's own adapter agent/link/link-proto.ts builds them).
import { formatUptime } from '../../common/process-info.js';
import type { ProcessResult } from '../../proto/gen/fleet/v1/agent_control.js';
import type { HostEvent } from '../../proto/gen/fleet/v1/events.js';
import type { ProcessInfo } from '../../proto/gen/fleet/v1/process.js';
import { toProtoState } from '../../proto/process-convert.js';
import type { SimChange, SimProcess, SimResult } from './sim-processes.js';

function description(p: SimProcess, now: number): string {
  if (p.state === 'RUNNING') return `pid ${p.pid}, uptime ${formatUptime(now - p.start)}`;
  if (p.state === 'STOPPED' && p.stop === 0) return 'Not started';
  return '';
}

/** The process as getProcessInfo would show it now. */
export function toInfo(p: SimProcess): ProcessInfo {
  const now = Date.now() / 1000;
  return {
    group: p.group,
    name: p.name,
    state: toProtoState(p.state),
    description: description(p, Math.floor(now)),
    pid: p.pid,
    startMs: BigInt(p.start * 1000),
    stopMs: BigInt(p.stop * 1000),
    spawnError: '',
    exitStatus: p.exitStatus,
    stdoutLogfile: '',
    stderrLogfile: '',
    nowMs: BigInt(Math.round(now * 1000)),
  };
}

/** One change as the host event with sequence number `seq`. */
export function toHostEvent(seq: number, change: SimChange): HostEvent {
  const base = { seq: BigInt(seq), timeMs: BigInt(Date.now()) };
  const p = change.process;
  if (change.kind === 'exit') {
    return {
      ...base,
      kind: { $case: 'exit', value: { group: p.group, name: p.name, pid: change.pid, status: { $case: 'signal', value: change.signal }, expected: change.expected } },
    };
  }
  return {
    ...base,
    kind: { $case: 'transition', value: { group: p.group, name: p.name, from: toProtoState(change.from), to: toProtoState(change.to), pid: p.pid, info: toInfo(p) } },
  };
}

export function toProtoResult(r: SimResult): ProcessResult {
  return { group: r.group, name: r.name, fault: r.code === 'SUCCESS' ? '' : r.code, description: r.description };
}
