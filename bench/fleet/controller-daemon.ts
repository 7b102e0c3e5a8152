// fleet-controller from this checkout, run as a user would (bin/fleet-controller --insecure) on
// loopback with a fresh data dir, and what the bench reads of it from /proc.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '../agent/impls.js';
import type { Daemon, Workspace } from '../agent/processes.js';

export interface RunningControllerDaemon {
  daemon: Daemon;
  /** host:port of its gRPC server, as its ready line prints it. */
  address: string;
  databasePath: string;
}

const READY = /ready: gRPC (\S+) .* data (\S+)\s*$/m;

/** Starts the controller with its data in `dir/data`; resolves once it prints its ready line. */
export async function startControllerDaemon(ws: Workspace, dir: string, heartbeat = '5s'): Promise<RunningControllerDaemon> {
  const root = repoRoot();
  if (!existsSync(join(root, 'dist', 'controller', 'main.js'))) throw new Error('fleet-controller is not built (dist/controller/main.js is missing): run "npx tsc -p ." first');
  mkdirSync(dir, { recursive: true });
  const output = join(dir, 'controller.out');
  const args = ['--insecure', '--listen', '127.0.0.1:0', '--http', '127.0.0.1:0', '--data', join(dir, 'data'), '--heartbeat', heartbeat];
  const daemon = ws.launch('fleet-controller', join(root, 'bin', 'fleet-controller'), args, dir, output);
  const deadline = Date.now() + 30_000;
  for (;;) {
    daemon.assertAlive('starting');
    const match = READY.exec(readText(output));
    if (match) return { daemon, address: match[1]!, databasePath: match[2]! };
    if (Date.now() > deadline) throw new Error(`fleet-controller printed no ready line within 30 s; its output:\n${daemon.outputTail()}`);
    await sleep(20);
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** VmRSS and VmHWM (peak) of a process in MiB, from /proc/<pid>/status; null once it is gone. */
export function memoryMiB(pid: number): { rss: number; peak: number } | null {
  const status = readText(`/proc/${pid}/status`);
  if (!status) return null;
  const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

/** CPU seconds (user + system) of a whole process so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return Number.NaN;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
