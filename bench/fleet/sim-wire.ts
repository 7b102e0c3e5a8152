// The simulator's processes and changes in AgentService.Connect's wire types (the generated
// proto/gen types, as the agent's own adapter agent/link/link-proto.ts builds them). One
// simulator speaks for hundreds of hosts, so events are built lean: the int64 fields of
// consecutive events mostly repeat (the same second, the same millisecond) and reuse one bigint.
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

/** BigInt(f(x)) for the last x asked for: a one-entry cache for values that repeat in runs. */
function lastBigInt(f: (x: number) => number): (x: number) => bigint {
  let lastX = Number.NaN;
  let last = 0n;
  return (x) => {
    if (x !== lastX) {
      lastX = x;
      last = BigInt(f(x));
    }
    return last;
  };
}

const startMs = lastBigInt((seconds) => seconds * 1000);
const stopMs = lastBigInt((seconds) => seconds * 1000);
const timeMs = lastBigInt((ms) => ms);

/** The process as getProcessInfo would show it now. */
export function toInfo(p: SimProcess): ProcessInfo {
  const now = Date.now() / 1000;
  return {
    group: p.group,
    name: p.name,
    state: toProtoState(p.state),
    description: description(p, Math.floor(now)),
    pid: p.pid,
    startMs: startMs(p.start),
    stopMs: stopMs(p.stop),
    spawnError: '',
    exitStatus: p.exitStatus,
    stdoutLogfile: '',
    stderrLogfile: '',
    nowMs: BigInt(Math.round(now * 1000)),
  };
}

/** One change as the host event with sequence number `seq`, happening at `time` (epoch ms). */
export function toHostEvent(seq: number, time: number, change: SimChange): HostEvent {
  const p = change.process;
  if (change.kind === 'exit') {
    return {
      seq: BigInt(seq),
      timeMs: timeMs(time),
      kind: { $case: 'exit', value: { group: p.group, name: p.name, pid: change.pid, status: { $case: 'signal', value: change.signal }, expected: change.expected } },
    };
  }
  return {
    seq: BigInt(seq),
    timeMs: timeMs(time),
    kind: {
      $case: 'transition',
      value: {
        group: p.group,
        name: p.name,
        from: toProtoState(change.from),
        to: toProtoState(change.to),
        pid: change.pid,
        startMs: startMs(change.start),
        stopMs: stopMs(change.stop),
        exitStatus: change.exitStatus,
        spawnError: '',
      },
    },
  };
}

export function toProtoResult(r: SimResult): ProcessResult {
  return { group: r.group, name: r.name, fault: r.code === 'SUCCESS' ? '' : r.code, description: r.description };
}
