/**
 * `status` in cluster mode, as text and JSON: supervisorctl's columns with `host/namespec` in
 * the name column, sorted by host then name. A host that is not connected still shows its
 * processes, with their last known state and a marker; a note on stderr says so. Exit codes
 * as supervisorctl's status: 4 when an address or host is unknown or a host is unreachable,
 * then 3 when something listed is not running (the later rule wins).
 */
import { formatAddress } from '../../common/address.js';
import { formatNamespec } from '../../common/namespec.js';
import type { HostInfo } from '../../common/host.js';
import { describeProcess, type ProcessInfo } from '../../common/process-info.js';
import { STOPPED_STATES } from '../../common/process-state.js';
import type { HostProcess, ProcessListing } from '../client/controller-client.js';
import { codePointLength, ljust, processJson } from '../commands/status.js';
import { StatusExit } from '../exit-codes.js';
import { hostErrorJson, hostErrorLine } from './host-errors.js';
import { compareCodePoints as compareText } from '../../common/text-order.js';
import { formatAgo } from './times.js';

export interface StatusText {
  /** The table, one line per process. */
  lines: string[];
  /** Per-host errors and warnings, for stderr. */
  notes: string[];
}

/** Processes by host, then group, then name. */
export function sortProcesses(processes: readonly HostProcess[]): HostProcess[] {
  return [...processes].sort(byHostGroupName);
}

/** A host's processes come in runs with one host and group string each (fleet-client-listing.ts): `!==` settles those without comparing characters. */
function byHostGroupName(a: HostProcess, b: HostProcess): number {
  if (a.host !== b.host) return compareText(a.host, b.host);
  if (a.info.group !== b.info.group) return compareText(a.info.group, b.info.group);
  return compareText(a.info.name, b.info.name);
}

/**
 * The info as of `now` (epoch ms): a running process on a connected host has its uptime
 * counted to now (the controller's view holds the info of its last transition). A host that is
 * not connected keeps its last known text.
 */
export function currentInfo(info: ProcessInfo, host: HostInfo | undefined, now: number): ProcessInfo {
  if (!countsOn(info, host)) return info;
  const current = { ...info, now: Math.max(info.now, Math.trunc(now / 1000)) };
  current.description = describeProcess(current);
  return current;
}

/** currentInfo(...).description, without the copy: one per line of a listing of thousands. */
function currentDescription(info: ProcessInfo, host: HostInfo | undefined, now: number): string {
  return countsOn(info, host) ? describeProcess(info, Math.max(info.now, Math.trunc(now / 1000))) : info.description;
}

/** Whether the process's uptime is counted on to now: running, on a host that is connected. */
function countsOn(info: ProcessInfo, host: HostInfo | undefined): boolean {
  return info.statename === 'RUNNING' && (host === undefined || host.liveness === 'connected');
}

/**
 * Each row's name (`host/namespec`, formatAddress) width in code points: supervisorctl pads by
 * them. Counted on the parts, a host's once per run of its processes, rather than on the joined
 * name, which would have to be copied into one piece first.
 */
function nameWidths(rows: readonly HostProcess[]): number[] {
  const widths = new Array<number>(rows.length);
  let host: string | null = null;
  let hostWidth = 0;
  for (let i = 0; i < rows.length; i++) {
    const p = rows[i]!;
    if (p.host !== host) {
      host = p.host;
      hostWidth = codePointLength(host);
    }
    widths[i] = hostWidth + 1 + codePointLength(formatNamespec(p.info.group, p.info.name));
  }
  return widths;
}

/** `[last known; host disconnected, last seen 3m ago]`: the marker of a process whose host is not connected. */
export function lastKnownMarker(host: HostInfo, now: number): string {
  return `[last known; host ${host.liveness}, last seen ${formatAgo(host.lastSeen, now)}]`;
}

export function statusText(listing: ProcessListing, now: number): StatusText {
  const lines: string[] = [];
  statusLines(listing, now, (line) => lines.push(line));
  return { lines, notes: statusNotes(listing, now) };
}

/**
 * The table, handed to `line` one line at a time as each is made, so that `status -A` can write
 * 20,000 of them out as it goes instead of keeping them all until the end, which costs the
 * garbage collector more than making them.
 */
export function statusLines(listing: ProcessListing, now: number, line: (text: string) => void): void {
  const hosts = new Map(listing.hosts.map((h) => [h.name, h]));
  const rows = sortProcesses(listing.processes);
  const widths = nameWidths(rows);
  let width = 30;
  for (const w of widths) if (w > width) width = w;
  width += 3;
  // What follows a name up to the description: its padding and the state column, one string per
  // padding length and state, made once. Fewer pieces to join per line take about half the work
  // out of building 20,000 lines.
  const middles = new Map<string, string[]>();
  // Rows come in runs by host: its record and marker are looked up once per run.
  let hostName: string | null = null;
  let host: HostInfo | undefined;
  let marker = '';
  for (let i = 0; i < rows.length; i++) {
    const p = rows[i]!;
    if (p.host !== hostName) {
      hostName = p.host;
      host = hosts.get(p.host);
      marker = host && host.liveness !== 'connected' ? lastKnownMarker(host, now) : '';
    }
    const current = currentDescription(p.info, host, now);
    const description = marker === '' ? current : current === '' ? marker : `${current} ${marker}`;
    let byPadding = middles.get(p.info.statename);
    if (byPadding === undefined) middles.set(p.info.statename, (byPadding = []));
    const padding = width - widths[i]!;
    const middle = (byPadding[padding] ??= ' '.repeat(padding) + ljust(p.info.statename, 10));
    line(`${formatAddress(p.host, p.info.group, p.info.name)}${middle}${description}`);
  }
}

/** Per-host errors and warnings, for stderr. */
export function statusNotes(listing: ProcessListing, now: number): string[] {
  return [
    ...listing.errors.map(hostErrorLine),
    ...listing.hosts
      .filter((h) => h.liveness !== 'connected')
      .map((h) => `${h.name}: WARNING (host ${h.liveness}, last seen ${formatAgo(h.lastSeen, now)}: its processes show their last known state)`),
  ];
}

export function statusExitCode(listing: ProcessListing): number {
  let code = listing.errors.length > 0 || listing.hosts.some((h) => h.liveness !== 'connected') ? StatusExit.UNKNOWN : 0;
  if (listing.processes.some((p) => STOPPED_STATES.has(p.info.statename))) code = StatusExit.NOT_RUNNING;
  return code;
}

export function statusJson(listing: ProcessListing, now: number): object {
  const hosts = new Map(listing.hosts.map((h) => [h.name, h]));
  return {
    processes: sortProcesses(listing.processes).map((p) => ({
      host: p.host,
      address: formatAddress(p.host, p.info.group, p.info.name),
      ...processJson(currentInfo(p.info, hosts.get(p.host), now)),
      host_state: hosts.get(p.host)?.liveness ?? 'connected',
    })),
    hosts: listing.hosts.map((h) => ({ name: h.name, state: h.liveness, last_seen_ms: h.lastSeen })),
    errors: listing.errors.map(hostErrorJson),
  };
}
