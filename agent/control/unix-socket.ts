/**
 * The unix socket of [unix_http_server], put in place the way supervisord does it
 * (http.py supervisor_af_unix_http_server): the server listens on a temporary name, gets its
 * mode there, and is hard-linked to the configured path. link() never replaces a file, so of
 * two agents starting at once exactly one gets the path; a file already there is probed: if
 * something answers on it the start is refused, else it is a stale socket and is unlinked
 * (`Unlinking stale socket <path>` on stderr). Then the owner is set (chown=).
 */
import { chmodSync, linkSync, readFileSync, statSync, unlinkSync, chownSync } from 'node:fs';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { spawnSync } from 'node:child_process';
import { native } from '../native/addon.js';

export const ADDRESS_IN_USE =
  'Another program is already listening on a port that one of our HTTP servers is configured to use.  ' +
  'Shut this program down first before starting supervisord.';

/** A start-up problem with the servers that supervisord reports as a usage error: `Error: <message>`, exit 2. */
export class ServerStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServerStartError';
  }
}

export interface UnixSocketSettings {
  path: string;
  mode: number;
  /** `user` or `user:group` (names or ids), or null to leave the owner alone. */
  owner: string | null;
}

/** A socket file this agent put in place; remove() takes it away only while it is still ours. */
export interface PlacedSocket {
  readonly path: string;
  remove(): void;
}

const LINK_ATTEMPTS = 5;

/**
 * Listens through `listen` on a temporary name next to the path, then links it into place.
 * `listen` must bind a unix socket at the path it is given. Throws ServerStartError for a live
 * socket at the path and for a chown that is not permitted.
 */
export async function placeUnixSocket(
  settings: UnixSocketSettings,
  listen: (tempPath: string) => Promise<void>,
  stderr: { write(text: string): unknown },
): Promise<PlacedSocket> {
  const { path } = settings;
  const temp = `${path}.${process.pid}`;
  unlinkQuietly(temp);
  // Bind under a private umask: between bind and chmod nobody else may connect.
  const umask = process.umask(0o077);
  try {
    await listen(temp);
  } finally {
    process.umask(umask);
  }
  try {
    chmodSync(temp, settings.mode);
    for (let attempt = 1; ; attempt++) {
      try {
        linkSync(temp, path);
        break;
      } catch (err) {
        if (await answers(path)) throw new ServerStartError(ADDRESS_IN_USE, { cause: err });
        if (attempt === LINK_ATTEMPTS) throw new ServerStartError(`Cannot open an HTTP server: ${(err as Error).message}`, { cause: err });
        stderr.write(`Unlinking stale socket ${path}\n`);
        unlinkQuietly(path);
      }
    }
  } finally {
    unlinkQuietly(temp);
  }
  const ino = statSync(path).ino;
  try {
    if (settings.owner !== null) changeOwner(path, settings.owner);
  } catch (err) {
    unlinkQuietly(path);
    throw err;
  }
  return {
    path,
    remove() {
      try {
        if (statSync(path).ino === ino) unlinkSync(path);
      } catch {
        // Already gone.
      }
    },
  };
}

/** Whether something accepts connections on the socket at `path` (supervisord's checkused). */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ path });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Not there.
  }
}

/** chown= as supervisord applies it: `user` keeps the group (-1), `user:group` sets both. */
function changeOwner(path: string, owner: string): void {
  const colon = owner.indexOf(':');
  const uid = userId(colon === -1 ? owner : owner.slice(0, colon));
  const gid = colon === -1 ? -1 : groupId(owner.slice(colon + 1));
  try {
    chownSync(path, uid, gid);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
    throw new ServerStartError(
      `Not permitted to chown ${path} to uid/gid (${uid}, ${gid}); adjust "sockchown" value in config file or ` +
        `on command line to values that the current user (${userInfo().username}) can successfully chown`,
    );
  }
}

function userId(user: string): number {
  if (/^\d+$/.test(user.trim())) return Number(user.trim());
  const entry = native.getpwnam(user);
  if (!entry) throw new ServerStartError(`Invalid user name ${user}`);
  return entry.uid;
}

/** A group name or id to its gid: /etc/group first, then NSS through getent (as accounts.ts). */
function groupId(group: string): number {
  if (/^\d+$/.test(group.trim())) return Number(group.trim());
  const fromFile = (text: string): number | null => {
    for (const line of text.split('\n')) {
      const fields = line.split(':');
      if (fields[0] === group && fields[2] !== undefined && /^\d+$/.test(fields[2])) return Number(fields[2]);
    }
    return null;
  };
  let gid: number | null = null;
  try {
    gid = fromFile(readFileSync('/etc/group', 'utf8'));
  } catch {
    // No /etc/group: NSS may still know it.
  }
  if (gid === null && !group.startsWith('-')) {
    const result = spawnSync('getent', ['group', group], { encoding: 'utf8', timeout: 5000 });
    if (result.status === 0) gid = fromFile(result.stdout);
  }
  if (gid === null) throw new ServerStartError(`Invalid group name ${group}`);
  return gid;
}
