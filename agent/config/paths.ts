import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigValueError } from './errors.js';

/**
 * Path-typed options (supervisord's existing_dirpath, existing_directory and normalize_path).
 * Only these expand `~`; every result is absolute, resolved against the agent's working
 * directory as supervisord's os.path.abspath does.
 */
export interface PathContext {
  cwd: string;
  /** What `~` means: $HOME of the environment the config is read with. */
  home: string;
}

/** `~` and `~/x` become the home directory; `~user` is left as written. */
export function expandUser(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return home + path.slice(1);
  return path;
}

export function normalizePath(path: string, ctx: PathContext): string {
  return resolve(ctx.cwd, expandUser(path, ctx.home));
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** A file whose directory must already exist (log files, the pid file). */
export function existingDirpath(path: string, ctx: PathContext): string {
  const full = normalizePath(path, ctx);
  const dir = dirname(full);
  if (!isDirectory(dir)) {
    throw new ConfigValueError(`The directory ${dir} named as part of the path ${path} does not exist`);
  }
  return full;
}

export function existingDirectory(path: string, ctx: PathContext): string {
  const full = normalizePath(path, ctx);
  if (!isDirectory(full)) throw new ConfigValueError(`${path} is not an existing directory`);
  return full;
}
