/**
 * History and live events as lines: local time, address, what happened.
 *
 *   2026-11-22 07:12:03.123  web-1/api       RUNNING -> EXITED
 *   2026-11-22 07:12:03.124  web-1/api       exited with status 1 (not expected)
 *   2026-11-22 07:12:09.000  web-2           gap: seqs 5-9 dropped
 *   2026-11-22 07:13:00.000  web-1,web-2     action start web:* by anonymous: ok
 *   2026-11-22 07:14:00.000  web-2           host disconnected
 *
 * `history` pads the address column; `events` cannot know the widths ahead and does not.
 */
import { formatAddress } from '../../common/address.js';
import type { FleetEntry } from '../../common/fleet-event.js';
import { ljust } from '../commands/status.js';
import { formatLocalTime } from './times.js';

export interface EntryParts {
  time: string;
  address: string;
  what: string;
}

/** Hosts of an action, shown in the address column: at most three, then `+N`. */
function actionHosts(hosts: readonly string[]): string {
  if (hosts.length === 0) return '-';
  return hosts.length <= 3 ? hosts.join(',') : `${hosts.slice(0, 3).join(',')},+${hosts.length - 3}`;
}

export function entryParts(entry: FleetEntry): EntryParts {
  const time = formatLocalTime(entry.time);
  switch (entry.kind) {
    case 'transition':
      return { time, address: formatAddress(entry.host, entry.group, entry.name), what: `${entry.from} -> ${entry.to}` };
    case 'exit': {
      const how = entry.signal !== null ? `killed by ${entry.signal}` : `exited with status ${entry.exitStatus ?? 0}`;
      return { time, address: formatAddress(entry.host, entry.group, entry.name), what: `${how} (${entry.expected ? 'expected' : 'not expected'})` };
    }
    case 'gap': {
      const seqs = entry.fromSeq === entry.toSeq ? `seq ${entry.fromSeq}` : `seqs ${entry.fromSeq}-${entry.toSeq}`;
      return { time, address: entry.host, what: `gap: ${seqs} dropped` };
    }
    case 'action':
      return { time, address: actionHosts(entry.hosts), what: `action ${[entry.action, ...entry.addresses].join(' ')} by ${entry.who}: ${entry.result}` };
    case 'liveness':
      return { time, address: entry.host, what: `host ${entry.liveness}` };
  }
}

/** One line with single spaces, for a live stream. */
export function eventLine(entry: FleetEntry): string {
  const p = entryParts(entry);
  return `${p.time}  ${p.address}  ${p.what}`;
}

/** Lines with the address column padded to the longest. */
export function historyLines(entries: readonly FleetEntry[]): string[] {
  const parts = entries.map(entryParts);
  const width = Math.max(0, ...parts.map((p) => [...p.address].length));
  return parts.map((p) => `${p.time}  ${ljust(p.address, width)}  ${p.what}`);
}

/** An entry in `history -o json` and `events -o json`: snake_case, times in epoch ms, `kind` first. */
export function entryJson(entry: FleetEntry): object {
  switch (entry.kind) {
    case 'transition':
      return { kind: entry.kind, time_ms: entry.time, host: entry.host, address: formatAddress(entry.host, entry.group, entry.name), group: entry.group, name: entry.name, seq: entry.seq, from: entry.from, to: entry.to, pid: entry.pid };
    case 'exit':
      return {
        kind: entry.kind,
        time_ms: entry.time,
        host: entry.host,
        address: formatAddress(entry.host, entry.group, entry.name),
        group: entry.group,
        name: entry.name,
        seq: entry.seq,
        pid: entry.pid,
        exit_status: entry.exitStatus,
        signal: entry.signal,
        expected: entry.expected,
      };
    case 'gap':
      return { kind: entry.kind, time_ms: entry.time, host: entry.host, seq: entry.seq, from_seq: entry.fromSeq, to_seq: entry.toSeq };
    case 'action':
      return { kind: entry.kind, time_ms: entry.time, id: entry.id, who: entry.who, origin: entry.origin, action: entry.action, addresses: entry.addresses, hosts: entry.hosts, result: entry.result };
    case 'liveness':
      return { kind: entry.kind, time_ms: entry.time, host: entry.host, state: entry.liveness };
  }
}
