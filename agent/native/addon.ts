import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The typed face of the native addon (agent/native/fleetvisor_native.c, built by
 * `node-gyp rebuild -C agent/native` in the package's prepare/build scripts). Each function's
 * full contract is the comment above it in the C file; errors thrown by the addon carry the
 * errno name in `code` ('EMFILE', 'EAGAIN'...), argument errors are TypeErrors.
 */
export interface NativeAddon {
  /**
   * Starts `file` as its own process-group leader with exactly `argv` and `envp` ('K=V'), fds
   * 0/1/2 on new pipes, fds >= 3 closed, default signal dispositions and an empty mask. Returns
   * the parent ends (stderr -1 when redirectStderr: the child's fd 1 and 2 share one pipe).
   * chdir/exec/setuid failures happen in the child: it writes supervisord's text to its fd 2
   * and exits 127. Throws (code = errno name) only when no child could be created. Blocks until
   * the child has exec'd.
   */
  spawn(
    file: string,
    argv: string[],
    envp: string[],
    cwd: string | null,
    umask: number,
    uid: number,
    gid: number,
    groups: number[] | null,
    redirectStderr: boolean,
  ): NativeSpawnResult;
  /**
   * spawn() on a libuv pool thread: returns at once, and `callback` runs later on the JS thread
   * with the result or with the error spawn() would have thrown (code = errno name, message
   * '<syscall> failed: <name>'). Argument errors throw at once. Several spawns run concurrently.
   */
  spawnAsync(
    file: string,
    argv: string[],
    envp: string[],
    cwd: string | null,
    umask: number,
    uid: number,
    gid: number,
    groups: number[] | null,
    redirectStderr: boolean,
    callback: (error: (Error & { code: string }) | null, result: NativeSpawnResult | null) => void,
  ): void;
  /** Every exited child, ours or not: [pid, exit code | null, signal number | null, core dumped]. Never blocks. */
  reap(): Array<[pid: number, code: number | null, signal: number | null, coreDumped: boolean]>;
  /** kill(pid) or kill(-pid) when `group`; the errno name on failure ('ESRCH', 'EPERM'), else null. pid must be > 0. */
  kill(pid: number, signal: number, group: boolean): string | null;
  /** Infinity means unlimited. */
  getrlimit(resource: RlimitResource): { soft: number; hard: number };
  /** The errno name on failure ('EPERM', 'EINVAL'), else null. */
  setrlimit(resource: RlimitResource, soft: number, hard: number): string | null;
  getpwnam(name: string): PasswdEntry | null;
  getpwuid(uid: number): PasswdEntry | null;
  /** `gid` first, then every group listing `name` as a member. */
  getgrouplist(name: string, gid: number): number[];
}

/** A child and the parent ends of its pipes (stderr -1 when redirectStderr). */
export interface NativeSpawnResult {
  pid: number;
  stdin: number;
  stdout: number;
  stderr: number;
  /** Epoch ms (Date.now()'s clock) just before the child was created. */
  startedAt: number;
}

export type RlimitResource = 'nofile' | 'nproc';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  dir: string;
  shell: string;
}

/**
 * This module runs from agent/native/ under tsx and from dist/agent/native/ when compiled; the
 * addon is built in agent/native/build/ in both cases.
 */
function addonPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const compiled = basename(resolve(here, '../..')) === 'dist';
  const nativeDir = compiled ? resolve(here, '../../../agent/native') : here;
  return join(nativeDir, 'build', 'Release', 'fleetvisor_native.node');
}

function load(): NativeAddon {
  const path = addonPath();
  try {
    return createRequire(import.meta.url)(path) as NativeAddon;
  } catch (err) {
    throw new Error(`cannot load fleetvisor's native addon ${path}; build it with \`npm run build\``, { cause: err });
  }
}

export const native: NativeAddon = load();
