/**
 * What the agent reports about one process, in the shape of supervisord's process info struct
 * (reference/supervisor.md section 4, rpcinterface.getProcessInfo), plus the status description
 * supervisorctl prints (section 3.2). Shared by the agent, the controller and fleetctl.
 */
import type { ErrorCode } from './errors.js';
import { processStateCode, type ProcessState } from './process-state.js';

export interface ProcessInfo {
  /** The process name (not the namespec). */
  name: string;
  group: string;
  /** The status column text: `pid 7780, uptime 0:00:22`, `Not started`, a spawn error... */
  description: string;
  /** Epoch seconds of the last start; 0 if never started. */
  start: number;
  /** Epoch seconds of the last exit; 0 if never stopped. */
  stop: number;
  /** Epoch seconds when this info was taken. */
  now: number;
  /** The numeric state code (STOPPED 0 ... UNKNOWN 1000). */
  state: number;
  statename: ProcessState;
  /** The last spawn error, '' if none. */
  spawnerr: string;
  /** The last exit status (0-255, -1 for a signal); 0 while running or never exited. */
  exitstatus: number;
  /** '' when the channel has no log file (NONE). */
  stdoutLogfile: string;
  stderrLogfile: string;
  /** 0 when not running. */
  pid: number;
}

/**
 * The outcome for one process of a group or `all` operation, as supervisord's result structs
 * (`{name, group, status, description}`): SUCCESS with `OK`, or an error code with its fault text.
 */
export interface ProcessResult {
  name: string;
  group: string;
  code: 'SUCCESS' | ErrorCode;
  /** `OK`, or the fault string (`SPAWN_ERROR: web`). */
  description: string;
}

/** XML-RPC ints are 32-bit; supervisord caps its timestamps there (capped_int). */
const MAX_INT32 = 2 ** 31 - 1;

/** Epoch ms to the capped epoch seconds of the info struct. */
export function toInfoSeconds(ms: number): number {
  return Math.min(Math.max(Math.trunc(ms / 1000), -MAX_INT32 - 1), MAX_INT32);
}

/** Python's str(timedelta) for a whole number of seconds: `0:00:22`, `1 day, 2:03:04`; negative reads as 0. */
export function formatUptime(seconds: number): string {
  let rest = Math.max(0, Math.trunc(seconds));
  const days = Math.floor(rest / 86400);
  rest -= days * 86400;
  const h = Math.floor(rest / 3600);
  const m = Math.floor((rest % 3600) / 60);
  const s = rest % 60;
  const hms = `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  if (days === 0) return hms;
  return `${days} ${days === 1 ? 'day' : 'days'}, ${hms}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** strftime('%b %d %I:%M %p') in local time and the C locale: `Nov 22 03:30 AM`. */
export function formatStopTime(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const hours = d.getHours();
  const h12 = hours % 12 === 0 ? 12 : hours % 12;
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${MONTHS[d.getMonth()]} ${two(d.getDate())} ${two(h12)}:${two(d.getMinutes())} ${hours < 12 ? 'AM' : 'PM'}`;
}

/**
 * supervisord's _interpretProcessInfo: RUNNING shows pid and uptime; BACKOFF and FATAL the spawn
 * error or `unknown error (try "tail name")`; STOPPED and EXITED the stop time, or `Not started`
 * if never started; STARTING, STOPPING and UNKNOWN nothing.
 */
export function describeProcess(
  info: Pick<ProcessInfo, 'name' | 'statename' | 'start' | 'stop' | 'now' | 'pid' | 'spawnerr'>,
  /** Epoch seconds to count a running process's uptime to; the info's own `now` by default. */
  now: number = info.now,
): string {
  switch (info.statename) {
    case 'RUNNING':
      return `pid ${info.pid}, uptime ${formatUptime(now - info.start)}`;
    case 'BACKOFF':
    case 'FATAL':
      return info.spawnerr || `unknown error (try "tail ${info.name}")`;
    case 'STOPPED':
    case 'EXITED':
      return info.start ? formatStopTime(info.stop) : 'Not started';
    default:
      return '';
  }
}

/**
 * What a transition leaves on a process beside its new state and pid. With the process's names
 * and log files (from the host's snapshot) it is enough to rebuild the process's info, so a
 * transition need not carry a whole ProcessInfo.
 */
export type TransitionDetail = Pick<ProcessInfo, 'start' | 'stop' | 'exitstatus' | 'spawnerr'>;

/** The detail part of `info`. */
export function transitionDetailOf(info: ProcessInfo): TransitionDetail {
  return { start: info.start, stop: info.stop, exitstatus: info.exitstatus, spawnerr: info.spawnerr };
}

/**
 * The process right after an edge to `to` at `time` (epoch ms), as the agent would report it
 * then: `before` (its last known info, if any) gives the log files, the edge and its detail the rest.
 */
export function infoAfterTransition(
  before: ProcessInfo | undefined,
  edge: { group: string; name: string; to: ProcessState; pid: number; time: number },
  detail: TransitionDetail,
): ProcessInfo {
  const info: ProcessInfo = {
    name: edge.name,
    group: edge.group,
    description: '',
    start: detail.start,
    stop: detail.stop,
    now: toInfoSeconds(edge.time),
    state: processStateCode(edge.to),
    statename: edge.to,
    spawnerr: detail.spawnerr,
    exitstatus: detail.exitstatus,
    stdoutLogfile: before?.stdoutLogfile ?? '',
    stderrLogfile: before?.stderrLogfile ?? '',
    pid: edge.pid,
  };
  info.description = describeProcess(info);
  return info;
}

/** Names compare as Python compares str (supervisord sorts so), not by locale. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** (group, name) lexically: the order of getAllProcessInfo and of status. */
export function byGroupThenName(a: { group: string; name: string }, b: { group: string; name: string }): number {
  return compareNames(a.group, b.group) || compareNames(a.name, b.name);
}
