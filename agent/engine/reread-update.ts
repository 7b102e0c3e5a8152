/**
 * reread and update: the config read again, compared with the running groups
 * (supervisord.diff_to_active), and applied group by group the way supervisorctl's do_update
 * drives the RPCs, with fleetvisor's per-process update for changed groups (DESIGN.md).
 */
import { FleetError, isFleetError } from '../../common/errors.js';
import type { GroupUpdate, ProcessRefName } from '../../common/group-update.js';
import { formatDiagnostic } from '../config/load.js';
import type { Config, ConfigResult, GroupConfig } from '../config/types.js';
import { sameGroupConfig } from './group-update.js';
import type { Supervisor } from './supervisor.js';

export interface GroupDiff {
  /** In the new config only, in its (priority, name) order. */
  added: GroupConfig[];
  /** In both, with a different config (locations aside), in the new config's order. */
  changed: GroupConfig[];
  /** Running but no longer configured, in the running order. */
  removed: string[];
}

export function diffGroups(active: readonly GroupConfig[], next: readonly GroupConfig[]): GroupDiff {
  const current = new Map(active.map((g) => [g.name, g]));
  const wanted = new Set(next.map((g) => g.name));
  return {
    added: next.filter((g) => !current.has(g.name)),
    changed: next.filter((g) => current.has(g.name) && !sameGroupConfig(current.get(g.name)!, g)),
    removed: active.filter((g) => !wanted.has(g.name)).map((g) => g.name),
  };
}

/** reloadConfig's parse step: the new config, or CANT_REREAD with every error found. */
export function rereadConfig(load: () => ConfigResult): Config {
  const result = load();
  if (!result.ok) throw new FleetError('CANT_REREAD', result.errors.map(formatDiagnostic).join('\n'));
  return result.config;
}

const refs = (group: string, names: readonly string[]): ProcessRefName[] => names.map((name) => ({ group, name }));

function outcome(group: string, action: GroupUpdate['action'], err?: unknown): GroupUpdate {
  const base = { group, action, restarted: [], added: [], removed: [] };
  if (err === undefined) return { ...base, code: 'SUCCESS', description: 'OK' };
  const fault = isFleetError(err) ? err : new FleetError('FAILED', err instanceof Error ? err.message : String(err));
  return { ...base, code: fault.code, description: fault.faultString };
}

/**
 * supervisorctl's update over `next` (already read): `names` empty or holding `all` means every
 * group; a name that is neither running nor added gives a `no-such-group` outcome. Removed groups
 * are stopped (waiting) and removed unless a stop FAILED; changed groups are updated in place;
 * added groups are added and autostarted. One step failing does not stop the others; a client
 * that goes away (`signal`) does: the step under way finishes, no other is begun.
 */
export async function applyUpdate(engine: Supervisor, next: Config, names: readonly string[], signal: AbortSignal): Promise<GroupUpdate[]> {
  const diff = diffGroups(engine.groupConfigs(), next.groups);
  const only = new Set(names.includes('all') ? [] : names);
  const wanted = (group: string): boolean => only.size === 0 || only.has(group);
  const updates: GroupUpdate[] = [];

  const known = new Set([...engine.groupNames(), ...diff.added.map((g) => g.name)]);
  for (const name of only) if (!known.has(name)) updates.push(outcome(name, 'no-such-group', new FleetError('BAD_NAME', name)));

  for (const name of diff.removed.filter(wanted)) {
    signal.throwIfAborted();
    try {
      const stops = await engine.stopGroup(name, { wait: true, signal });
      const failed = stops.filter((r) => r.code === 'FAILED');
      if (failed.length > 0) {
        updates.push(outcome(name, 'removed', new FleetError('FAILED', failed.map((r) => r.description).join('; '))));
        continue;
      }
      await engine.removeGroup(name);
      updates.push(outcome(name, 'removed'));
    } catch (err) {
      updates.push(outcome(name, 'removed', err));
    }
  }

  for (const config of diff.changed.filter((g) => wanted(g.name))) {
    signal.throwIfAborted();
    try {
      const change = await engine.updateGroup(config, { signal });
      const done: GroupUpdate =
        change.failed.length > 0
          ? outcome(config.name, 'changed', new FleetError('FAILED', change.failed.map((r) => r.description).join('; ')))
          : outcome(config.name, 'changed');
      updates.push({
        ...done,
        restarted: refs(config.name, change.restarted),
        added: refs(config.name, change.added),
        removed: refs(config.name, change.removed),
      });
    } catch (err) {
      updates.push(outcome(config.name, 'changed', err));
    }
  }

  for (const config of diff.added.filter((g) => wanted(g.name))) {
    signal.throwIfAborted();
    try {
      await engine.addGroup(config);
      updates.push(outcome(config.name, 'added'));
    } catch (err) {
      updates.push(outcome(config.name, 'added', err));
    }
  }
  return updates;
}
