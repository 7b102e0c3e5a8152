// fleet-controller from this checkout, run as a user would on loopback with a fresh data dir:
// --insecure, or in secure mode as an operator sets it up (its CA, `fleet-controller bootstrap`
// for an admin token, `fleetctl token create --role join` for the hosts); and what the bench
// reads of it from /proc.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '../agent/impls.js';
import type { Daemon, Workspace } from '../agent/processes.js';

/** What a client needs for a controller in secure mode. */
export interface SecureAccess {
  /** `sha256:...` of its CA, for enrollment. */
  fingerprint: string;
  caPem: string;
  /** DATA/pki/ca.crt, for fleetctl --ca. */
  caFile: string;
  adminToken: string;
  /** A join token for the hosts. */
  joinToken: string;
}

export interface RunningControllerDaemon {
  daemon: Daemon;
  /** host:port of its gRPC server, as its ready line prints it. */
  address: string;
  databasePath: string;
  /** Secure mode's CA and tokens; null with --insecure. */
  secure: SecureAccess | null;
}

const READY = /ready: gRPC (\S+) .* data (\S+)\s*$/m;
const FINGERPRINT = /^CA fingerprint: (sha256:[0-9a-f]{64})/m;

/**
 * Starts the controller with its data in `dir/data`; resolves once it prints its ready line.
 * `secure`: without --insecure, then an admin token (bootstrap) and a join token.
 * `nodeArgs` go to node before the script (e.g. --cpu-prof).
 */
export async function startControllerDaemon(ws: Workspace, dir: string, heartbeat = '5s', secure = false, nodeArgs: string[] = []): Promise<RunningControllerDaemon> {
  const root = repoRoot();
  if (!existsSync(join(root, 'dist', 'controller', 'main.js'))) throw new Error('fleet-controller is not built (dist/controller/main.js is missing): run "npx tsc -p ." first');
  mkdirSync(dir, { recursive: true });
  const output = join(dir, 'controller.out');
  const dataDir = join(dir, 'data');
  const args = [...(secure ? [] : ['--insecure']), '--listen', '127.0.0.1:0', '--http', '127.0.0.1:0', '--data', dataDir, '--heartbeat', heartbeat];
  const controller = join(root, 'bin', 'fleet-controller');
  const daemon = nodeArgs.length === 0 ? ws.launch('fleet-controller', controller, args, dir, output) : ws.launch('fleet-controller', process.execPath, [...nodeArgs, controller, ...args], dir, output);
  const deadline = Date.now() + 30_000;
  for (;;) {
    daemon.assertAlive('starting');
    const text = readText(output);
    const match = READY.exec(text);
    if (match) {
      const address = match[1]!;
      if (!secure) return { daemon, address, databasePath: match[2]!, secure: null };
      const fingerprint = FINGERPRINT.exec(text)?.[1];
      if (!fingerprint) throw new Error(`fleet-controller printed no CA fingerprint in secure mode; its output:\n${daemon.outputTail()}`);
      const caFile = join(dataDir, 'pki', 'ca.crt');
      const run = (command: string, commandArgs: string[]): string => execFileSync(process.execPath, [command, ...commandArgs], { encoding: 'utf8' }).trim();
      const adminToken = run(controller, ['bootstrap', '--data', dataDir]);
      const joinToken = run(join(root, 'bin', 'fleetctl'), ['--controller', address, '--ca', caFile, '--token', adminToken, 'token', 'create', '--role', 'join', '--ttl', '2h']);
      return { daemon, address, databasePath: match[2]!, secure: { fingerprint, caPem: readText(caFile), caFile, adminToken, joinToken } };
    }
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

/** The fields of a /proc stat line after the command name: fields[0] is its state. */
function statFields(path: string): string[] | null {
  const stat = readText(path);
  return stat ? stat.slice(stat.lastIndexOf(')') + 2).split(' ') : null;
}

/** User + system CPU seconds in a stat line's fields (utime and stime, in clock ticks of 1/100 s). */
function statSeconds(fields: string[]): number {
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds (user + system) of a whole process so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const fields = statFields(`/proc/${pid}/stat`);
  return fields ? statSeconds(fields) : Number.NaN;
}

/** A process's CPU seconds so far by kind of thread. */
export interface ThreadCpu {
  /** The main thread: the event loop. */
  main: number;
  /** Threads below the main thread's priority: the controller's store writer (nice 10). */
  niced: number;
  /**
   * The rest: V8's helpers (concurrent GC, compilers) and libuv's pool. From the process's total,
   * so threads that ended between two readings count here.
   */
  helpers: number;
}

/** CPU seconds of `pid`'s threads, from /proc/<pid>/task/<tid>/stat, summed by kind. */
export function threadCpuSeconds(pid: number): ThreadCpu {
  const main = statFields(`/proc/${pid}/stat`);
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    // gone
  }
  if (!main || tids.length === 0) return { main: Number.NaN, niced: Number.NaN, helpers: Number.NaN };
  const total = statSeconds(main);
  // fields[16] is the nice value; the process's own line is its main thread's.
  const mainNice = Number(main[16]);
  const mainSeconds = statSeconds(statFields(`/proc/${pid}/task/${pid}/stat`) ?? main);
  let niced = 0;
  for (const tid of tids) {
    const fields = tid === String(pid) ? null : statFields(`/proc/${pid}/task/${tid}/stat`);
    if (fields && Number(fields[16]) > mainNice) niced += statSeconds(fields);
  }
  return { main: mainSeconds, niced, helpers: total - mainSeconds - niced };
}
