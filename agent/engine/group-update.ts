/**
 * What `update` changes in a running group, decided from configs alone. supervisord compares
 * whole groups and replaces a changed one entirely (issue #591); fleetvisor compares each
 * process's effective config, so only the processes whose config changed are restarted.
 * "Effective" means every field of the ProcessConfig except `location`: moving a section to
 * another line or file changes nothing that runs.
 */
import { isDeepStrictEqual } from 'node:util';
import type { GroupConfig, ProcessConfig } from '../config/types.js';

/** Process names of one group, by what update does to them. */
export interface GroupUpdatePlan {
  /** Same effective config: left alone, running or not. */
  keep: string[];
  /** Config changed: stopped, then replaced by a new process with the new config (autostarted). */
  replace: string[];
  /** Only in the new config: added (autostarted). */
  add: string[];
  /** Only in the running group: stopped and removed. */
  drop: string[];
}

function withoutLocation(process: ProcessConfig): Omit<ProcessConfig, 'location'> {
  const { location: _location, ...rest } = process;
  return rest;
}

/** Whether two process configs would run the same way (every field but `location`). */
export function sameProcessConfig(a: ProcessConfig, b: ProcessConfig): boolean {
  return isDeepStrictEqual(withoutLocation(a), withoutLocation(b));
}

/**
 * Whether two group configs are the same for reread (supervisord's diff_to_active compares the
 * group configs with ==): every field but the locations of the group and of its processes.
 */
export function sameGroupConfig(a: GroupConfig, b: GroupConfig): boolean {
  const { location: _a, processes: pa, ...restA } = a;
  const { location: _b, processes: pb, ...restB } = b;
  return (
    isDeepStrictEqual(restA, restB) &&
    pa.length === pb.length &&
    pa.every((p, i) => sameProcessConfig(p, pb[i]!))
  );
}

/** Sorts the processes of `current` and `next` (same group name) into keep, replace, add and drop. */
export function planGroupUpdate(current: GroupConfig, next: GroupConfig): GroupUpdatePlan {
  const before = new Map(current.processes.map((p) => [p.name, p]));
  const plan: GroupUpdatePlan = { keep: [], replace: [], add: [], drop: [] };
  for (const process of next.processes) {
    const old = before.get(process.name);
    if (!old) plan.add.push(process.name);
    else if (sameProcessConfig(old, process)) plan.keep.push(process.name);
    else plan.replace.push(process.name);
  }
  const after = new Set(next.processes.map((p) => p.name));
  for (const process of current.processes) if (!after.has(process.name)) plan.drop.push(process.name);
  return plan;
}
