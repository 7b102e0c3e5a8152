/**
 * A program's user= resolved in the agent, before spawning, with supervisord's rules
 * (supervisor/datatypes.py name_to_uid, supervisor/options.py drop_privileges). The child then
 * only performs setgroups/setgid/setuid with the result (agent/native).
 */
import { FleetError } from '../../common/errors.js';
import { native } from '../native/addon.js';
import type { SpawnRequest } from './spawner.js';

export type UserCredentials = NonNullable<SpawnRequest['user']>;

/** The largest valid uid; (uid_t)-1 means "no change" to the kernel. */
const MAX_ID = 2 ** 32 - 2;

/**
 * Resolves user= (a user name, or a numeric uid as Python's int() reads it) to the credentials
 * the child switches to:
 *  - null when user= is absent, or names the uid the agent already runs as (supervisord does
 *    nothing then, which lets an unprivileged supervisord run programs with user=<itself>);
 *  - { uid, gid, groups } from the passwd entry, groups = getgrouplist (primary gid first, then
 *    every group listing the user), the set supervisord passes to setgroups.
 * Throws FleetError CONFIG_INVALID with supervisord's config-time texts `Invalid user name x` /
 * `Invalid user id N` when there is no such user, and SPAWN_ERROR `Can't drop privilege as
 * nonroot user` when the agent is not root and the user differs. `currentUid` is the agent's uid.
 */
export function resolveUser(user: string | null, currentUid: number = process.getuid!()): UserCredentials | null {
  if (user === null) return null;
  const numeric = /^\s*[+-]?\d+\s*$/.test(user);
  let entry;
  if (numeric) {
    const uid = Number(user.trim());
    entry = uid >= 0 && uid <= MAX_ID ? native.getpwuid(uid) : null;
    if (!entry) throw new FleetError('CONFIG_INVALID', `Invalid user id ${user}`);
  } else {
    entry = native.getpwnam(user);
    if (!entry) throw new FleetError('CONFIG_INVALID', `Invalid user name ${user}`);
  }
  if (entry.uid === currentUid) return null;
  if (currentUid !== 0) throw new FleetError('SPAWN_ERROR', "Can't drop privilege as nonroot user");
  return { uid: entry.uid, gid: entry.gid, groups: native.getgrouplist(entry.name, entry.gid) };
}
