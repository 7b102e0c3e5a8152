/**
 * The changes to the stored process view not yet written: what the store writes behind. The
 * view itself lives in the core (core/process-view.ts), which answers listings; the database
 * holds its last written state; this holds the difference, so each changed process is written
 * once per write however often it moved in between.
 */
import type { ProcessInfo } from '../../common/process-info.js';

const keyOf = (group: string, name: string): string => `${group}\0${name}`;

/** What to write for one host: its whole list (after a snapshot), or processes to put and remove. */
export type HostViewChange =
  | { host: string; kind: 'replace'; processes: ProcessInfo[] }
  | { host: string; kind: 'patch'; put: ProcessInfo[]; removed: { group: string; name: string }[]; removedGroups: string[] };

/**
 * One host's unwritten changes. Removals are written before puts, so a put is never older than
 * a removal that covers it: a removal drops the puts it covers, a put drops its own removal.
 */
class HostChanges {
  /** After a snapshot: the host's whole list, with later changes applied to it. */
  whole: Map<string, ProcessInfo> | null = null;
  readonly put = new Map<string, ProcessInfo>();
  readonly removed = new Map<string, { group: string; name: string }>();
  readonly removedGroups = new Set<string>();

  replace(processes: readonly ProcessInfo[]): void {
    this.whole = new Map(processes.map((p) => [keyOf(p.group, p.name), p]));
    this.put.clear();
    this.removed.clear();
    this.removedGroups.clear();
  }

  upsert(info: ProcessInfo): void {
    const key = keyOf(info.group, info.name);
    if (this.whole) {
      this.whole.set(key, info);
      return;
    }
    this.put.set(key, info);
    this.removed.delete(key);
  }

  remove(group: string, name: string | null): void {
    const matches = (p: ProcessInfo): boolean => p.group === group && (name === null || p.name === name);
    const from = this.whole ?? this.put;
    for (const [key, p] of from) if (matches(p)) from.delete(key);
    if (this.whole) return;
    if (name === null) this.removedGroups.add(group);
    else this.removed.set(keyOf(group, name), { group, name });
  }

  change(host: string): HostViewChange {
    if (this.whole) return { host, kind: 'replace', processes: [...this.whole.values()] };
    return { host, kind: 'patch', put: [...this.put.values()], removed: [...this.removed.values()], removedGroups: [...this.removedGroups] };
  }

  /** These changes as if made after `older` (a write of it failed): one write of the result does both. */
  after(older: HostViewChange): HostChanges {
    if (this.whole) return this;
    const merged = new HostChanges();
    if (older.kind === 'replace') merged.replace(older.processes);
    else {
      for (const group of older.removedGroups) merged.remove(group, null);
      for (const { group, name } of older.removed) merged.remove(group, name);
      for (const info of older.put) merged.upsert(info);
    }
    for (const group of this.removedGroups) merged.remove(group, null);
    for (const { group, name } of this.removed.values()) merged.remove(group, name);
    for (const info of this.put.values()) merged.upsert(info);
    return merged;
  }
}

export class ViewChanges {
  private hosts = new Map<string, HostChanges>();

  get size(): number {
    return this.hosts.size;
  }

  replace(host: string, processes: readonly ProcessInfo[]): void {
    this.host(host).replace(processes);
  }

  upsert(host: string, processes: readonly ProcessInfo[]): void {
    const changes = this.host(host);
    for (const p of processes) changes.upsert(p);
  }

  /** The process `group:name`, or every process of `group` when `name` is null. */
  remove(host: string, group: string, name: string | null): void {
    this.host(host).remove(group, name);
  }

  /** Takes what changed since the last call; on a failed write, give it back with `restore`. */
  take(): HostViewChange[] {
    const changes = [...this.hosts].map(([host, c]) => c.change(host));
    this.hosts = new Map();
    return changes;
  }

  /** Puts back changes a write failed to store, under whatever changed since. */
  restore(failed: readonly HostViewChange[]): void {
    for (const change of failed) this.hosts.set(change.host, (this.hosts.get(change.host) ?? new HostChanges()).after(change));
  }

  private host(host: string): HostChanges {
    let changes = this.hosts.get(host);
    if (!changes) this.hosts.set(host, (changes = new HostChanges()));
    return changes;
  }
}
