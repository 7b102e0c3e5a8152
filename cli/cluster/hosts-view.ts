/**
 * `hosts` as text and JSON: one row per host with its liveness, labels, agent version, when it
 * was last heard from and how many of its processes are in each state, in aligned columns
 * (kubectl's `get` style), sorted by name.
 */
import type { HostInfo } from '../../common/host.js';
import { ProcessStates, type ProcessState } from '../../common/process-state.js';
import { compareCodePoints } from '../../common/text-order.js';
import { codePointLength, ljust, widestOf } from '../commands/status.js';
import { formatLabels } from './scope.js';
import { formatAgo } from './times.js';

const HEADERS = ['NAME', 'STATE', 'LABELS', 'VERSION', 'LAST SEEN', 'PROCESSES'] as const;

/** `RUNNING=3,FATAL=1` in the states' own order; `-` for none. */
export function formatCounts(counts: Partial<Record<ProcessState, number>>): string {
  const parts = (Object.keys(ProcessStates) as ProcessState[]).filter((s) => (counts[s] ?? 0) > 0).map((s) => `${s}=${counts[s]}`);
  return parts.length > 0 ? parts.join(',') : '-';
}

export function sortHosts(hosts: readonly HostInfo[]): HostInfo[] {
  return [...hosts].sort((a, b) => compareCodePoints(a.name, b.name));
}

export function hostsTable(hosts: readonly HostInfo[], now: number): string[] {
  const rows = sortHosts(hosts).map((h) => [
    h.name,
    h.liveness,
    Object.keys(h.labels).length > 0 ? formatLabels(h.labels) : '<none>',
    h.agentVersion || '-',
    formatAgo(h.lastSeen, now),
    formatCounts(h.counts),
  ]);
  const widths = HEADERS.map((title, i) => widestOf(rows.map((r) => r[i]!), codePointLength(title)));
  return [[...HEADERS], ...rows].map((cells) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : ljust(cell, widths[i]! + 3)))
      .join(''),
  );
}

export function hostsJson(hosts: readonly HostInfo[]): object {
  return {
    hosts: sortHosts(hosts).map((h) => ({
      name: h.name,
      state: h.liveness,
      labels: h.labels,
      version: h.agentVersion,
      last_seen_ms: h.lastSeen,
      connected_at_ms: h.connectedAt,
      peer: h.peer,
      last_seq: h.lastSeq,
      counts: h.counts,
    })),
  };
}
