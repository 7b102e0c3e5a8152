/**
 * The current state of every process on every host, in memory so listings cost no query:
 * replaced by each host's snapshot, then moved along by its transitions. This is the one copy:
 * the store writes its changes behind (store/view-changes.ts), so a restarted controller starts
 * from the last known view of hosts that have not reconnected yet (controller-core.ts).
 */
import { byGroupThenName, type ProcessInfo } from '../../common/process-info.js';
import type { ProcessState } from '../../common/process-state.js';

const keyOf = (group: string, name: string): string => `${group}\0${name}`;

interface HostProcesses {
  byKey: Map<string, ProcessInfo>;
  /** The sorted list, kept until the host's next change: listings far outnumber changes. */
  sorted: readonly ProcessInfo[] | null;
}

export class ProcessView {
  private readonly hosts = new Map<string, HostProcesses>();

  /** The host's processes are exactly `processes` from now on. */
  replace(host: string, processes: readonly ProcessInfo[]): void {
    this.hosts.set(host, { byKey: new Map(processes.map((p) => [keyOf(p.group, p.name), p])), sorted: null });
  }

  set(host: string, info: ProcessInfo): void {
    let processes = this.hosts.get(host);
    if (!processes) this.hosts.set(host, (processes = { byKey: new Map(), sorted: null }));
    processes.byKey.set(keyOf(info.group, info.name), info);
    processes.sorted = null;
  }

  /** The process's current info, if the host has it. */
  get(host: string, group: string, name: string): ProcessInfo | undefined {
    return this.hosts.get(host)?.byKey.get(keyOf(group, name));
  }

  remove(host: string, group: string, name: string | null): void {
    const processes = this.hosts.get(host);
    if (!processes) return;
    for (const [key, p] of processes.byKey) if (p.group === group && (name === null || p.name === name)) processes.byKey.delete(key);
    processes.sorted = null;
  }

  /** The host's processes sorted by group, then name (shared: not to be modified). */
  list(host: string): readonly ProcessInfo[] {
    const processes = this.hosts.get(host);
    if (!processes) return [];
    processes.sorted ??= [...processes.byKey.values()].sort(byGroupThenName);
    return processes.sorted;
  }

  /** Whether the host has any process that `matches`. */
  some(host: string, matches: (group: string, name: string) => boolean): boolean {
    for (const p of this.hosts.get(host)?.byKey.values() ?? []) if (matches(p.group, p.name)) return true;
    return false;
  }

  counts(host: string): Partial<Record<ProcessState, number>> {
    const counts: Partial<Record<ProcessState, number>> = {};
    for (const p of this.hosts.get(host)?.byKey.values() ?? []) counts[p.statename] = (counts[p.statename] ?? 0) + 1;
    return counts;
  }
}
