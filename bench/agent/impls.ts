// The two supervisors under test, and how to start each on a config file.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { progress } from './progress.js';

export type ImplName = 'supervisord' | 'fleet-agent';
export const IMPL_NAMES: readonly ImplName[] = ['supervisord', 'fleet-agent'];

export interface Impl {
  name: ImplName;
  command: string;
  /** Arguments for a foreground run on `configFile`. */
  args(configFile: string): string[];
  version: string;
}

/** The repository root: the nearest parent of this file with the fleetvisor package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'fleetvisor') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the fleetvisor repository root above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

const SUPERVISORD = '/usr/bin/supervisord';

/** Debian's supervisord; installs the `supervisor` package with apt-get when it is missing. */
export function supervisordImpl(): Impl {
  if (!existsSync(SUPERVISORD)) {
    progress(`${SUPERVISORD} not found: installing Debian's "supervisor" package with apt-get (needs root and the apt mirror)`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = () =>
      spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'supervisor'], { stdio: ['ignore', 2, 2], env });
    let r = install();
    if (r.status !== 0) {
      progress('apt-get install failed; running apt-get update and trying once more');
      spawnSync('apt-get', ['update', '-q'], { stdio: ['ignore', 2, 2], env });
      r = install();
    }
    if (r.status !== 0 || !existsSync(SUPERVISORD)) {
      throw new Error(
        `could not install supervisord (apt-get exited ${r.status ?? r.error?.message}). ` +
          'Install it by hand with "apt-get install supervisor", or run with --impl fleet-agent.',
      );
    }
    progress('supervisor installed. If its package started a system supervisord service, it adds a little background noise.');
  }
  const version = execFileSync(SUPERVISORD, ['--version'], { encoding: 'utf8' }).trim();
  return { name: 'supervisord', command: SUPERVISORD, args: (c) => ['-n', '-c', c], version };
}

/** fleet-agent from this checkout, run as `bin/fleet-agent -n -c FILE`, so its shebang's node flags apply as for a user. */
export function fleetAgentImpl(): Impl {
  const root = repoRoot();
  const bin = join(root, 'bin', 'fleet-agent');
  for (const built of ['dist/agent/daemon/main.js', 'dist/agent/daemon/run.js']) {
    if (!existsSync(join(root, built))) {
      throw new Error(`fleet-agent is not built yet (${built} is missing): run "npx tsc -p ." first, or use --impl supervisord`);
    }
  }
  let version = 'unknown';
  try {
    version = execFileSync('git', ['-C', root, 'log', '-1', '--format=%h %s'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', root, 'status', '--porcelain', '--', 'agent', 'common'], { encoding: 'utf8' }).trim();
    if (dirty) version += ' (+ uncommitted changes in agent/ or common/)';
  } catch {
    /* not a git checkout */
  }
  return { name: 'fleet-agent', command: bin, args: (c) => ['-n', '-c', c], version };
}
