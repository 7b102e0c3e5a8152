/**
 * The current process view as a store holds it: every host's processes in memory (so `status -A`
 * over thousands of hosts costs no query), plus what changed since the last write, so the
 * database receives each changed process once per write however often it moved in between.
 */
import type { ProcessInfo } from '../../common/process-info.js';
import type { HostProcess } from './store.js';

const keyOf = (group: string, name: string): string => `${group}\0${name}`;

function byGroupThenName(a: ProcessInfo, b: ProcessInfo): number {
  return a.group < b.group ? -1 : a.group > b.group ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** What to write for one host: its whole list (after a snapshot), or some processes to put and remove. */
export type HostViewChange =
  | { host: string; kind: 'replace'; processes: ProcessInfo[] }
  | { host: string; kind: 'patch'; put: ProcessInfo[]; removed: { group: string; name: string }[] };

interface HostView {
  processes: Map<string, ProcessInfo>;
  /** Sorted list, rebuilt on the next read after a change. */
  sorted: HostProcess[] | null;
}

interface HostDirt {
  replaced: boolean;
  /** Keys changed since the last write (ignored when replaced). */
  keys: Set<string>;
}

export class ViewBuffer {
  private readonly hosts = new Map<string, HostView>();
  private readonly dirty = new Map<string, HostDirt>();

  get hasChanges(): boolean {
    return this.dirty.size > 0;
  }

  /** Loads stored processes without marking anything changed. */
  load(host: string, info: ProcessInfo): void {
    this.hostView(host).processes.set(keyOf(info.group, info.name), info);
  }

  replace(host: string, processes: readonly ProcessInfo[]): void {
    const view = this.hostView(host);
    view.processes = new Map(processes.map((p) => [keyOf(p.group, p.name), p]));
    view.sorted = null;
    this.dirt(host).replaced = true;
  }

  upsert(host: string, processes: readonly ProcessInfo[]): void {
    const view = this.hostView(host);
    const dirt = this.dirt(host);
    for (const p of processes) {
      const key = keyOf(p.group, p.name);
      view.processes.set(key, p);
      dirt.keys.add(key);
    }
    view.sorted = null;
  }

  remove(host: string, group: string, name: string | null): void {
    const view = this.hosts.get(host);
    if (!view) return;
    const dirt = this.dirt(host);
    for (const [key, p] of view.processes) {
      if (p.group === group && (name === null || p.name === name)) {
        view.processes.delete(key);
        dirt.keys.add(key);
      }
    }
    view.sorted = null;
  }

  /**
   * Every process of `hosts`, in that order, each host's sorted by group then name. The entries
   * are shared with later calls until the host changes: callers must not modify them.
   */
  list(hosts: readonly string[]): HostProcess[] {
    const out: HostProcess[] = [];
    for (const host of hosts) {
      const view = this.hosts.get(host);
      if (!view) continue;
      view.sorted ??= [...view.processes.values()].sort(byGroupThenName).map((info) => ({ host, info }));
      for (const entry of view.sorted) out.push(entry);
    }
    return out;
  }

  /** Takes what changed since the last call; on a failed write, give it back with `restore`. */
  takeChanges(): HostViewChange[] {
    const changes: HostViewChange[] = [];
    for (const [host, dirt] of this.dirty) {
      const processes = this.hosts.get(host)?.processes ?? new Map<string, ProcessInfo>();
      if (dirt.replaced) {
        changes.push({ host, kind: 'replace', processes: [...processes.values()] });
        continue;
      }
      const put: ProcessInfo[] = [];
      const removed: { group: string; name: string }[] = [];
      for (const key of dirt.keys) {
        const info = processes.get(key);
        if (info) put.push(info);
        else {
          const cut = key.indexOf('\0');
          removed.push({ group: key.slice(0, cut), name: key.slice(cut + 1) });
        }
      }
      changes.push({ host, kind: 'patch', put, removed });
    }
    this.dirty.clear();
    return changes;
  }

  /** Marks the hosts of a write that failed as wholly changed, so the next write repeats it. */
  restore(changes: readonly HostViewChange[]): void {
    for (const change of changes) this.dirt(change.host).replaced = true;
  }

  private hostView(host: string): HostView {
    let view = this.hosts.get(host);
    if (!view) this.hosts.set(host, (view = { processes: new Map(), sorted: null }));
    return view;
  }

  private dirt(host: string): HostDirt {
    let dirt = this.dirty.get(host);
    if (!dirt) this.dirty.set(host, (dirt = { replaced: false, keys: new Set() }));
    return dirt;
  }
}
