import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

/**
 * Whether users and groups exist, as supervisord checks `user=`, `chown=` and `socket_owner=`
 * when it reads the config (datatypes.name_to_uid / name_to_gid). The config only needs
 * existence; the uid and gid are resolved again where they are used.
 */
export interface Accounts {
  hasUser(name: string): boolean;
  hasUid(uid: number): boolean;
  hasGroup(name: string): boolean;
  hasGid(gid: number): boolean;
}

/**
 * Looks in /etc/passwd and /etc/group first (no process spawned for the usual local accounts),
 * then asks `getent`, which goes through NSS as getpwnam does (LDAP, sssd...). Answers are
 * cached for the lifetime of the object, which is one config load.
 */
export function systemAccounts(): Accounts {
  const cache = new Map<string, boolean>();
  const lookup = (database: 'passwd' | 'group', key: string, field: 0 | 2): boolean => {
    const cacheKey = `${database}:${field}:${key}`;
    let found = cache.get(cacheKey);
    if (found === undefined) {
      found = inFile(`/etc/${database}`, key, field) || viaGetent(database, key);
      cache.set(cacheKey, found);
    }
    return found;
  };
  return {
    hasUser: (name) => lookup('passwd', name, 0),
    hasUid: (uid) => lookup('passwd', String(uid), 2),
    hasGroup: (name) => lookup('group', name, 0),
    hasGid: (gid) => lookup('group', String(gid), 2),
  };
}

/** passwd and group lines are `name:x:id:...`; field 0 is the name, field 2 the id. */
function inFile(path: string, key: string, field: 0 | 2): boolean {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return false;
  }
  return text.split('\n').some((line) => line.split(':')[field] === key);
}

function viaGetent(database: 'passwd' | 'group', key: string): boolean {
  // getent takes a name or a numeric id; a key starting with '-' would read as an option.
  if (key === '' || key.startsWith('-')) return false;
  const result = spawnSync('getent', [database, key], { stdio: 'ignore', timeout: 5000 });
  return result.status === 0;
}
