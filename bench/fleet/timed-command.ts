// Runs a command to completion as a script would, and times it: from spawn() to its exit, with
// its output kept to check what it printed.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../agent/impls.js';
import type { SecureAccess } from './controller-daemon.js';

export interface TimedRun {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

export function timedCommand(command: string, args: string[], timeoutMs = 120_000): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${command}: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - t0, code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/**
 * `fleetctl --controller ADDR --insecure status -A`, as bench:ctl runs fleetctl (bin/fleetctl
 * itself, as a script would); with `secure`, `--ca FILE --token TOKEN` instead of --insecure.
 */
export function fleetctlStatusAll(address: string, secure: SecureAccess | null = null): Promise<TimedRun> {
  const credentials = secure ? ['--ca', secure.caFile, '--token', secure.adminToken] : ['--insecure'];
  return timedCommand(join(repoRoot(), 'bin', 'fleetctl'), ['--controller', address, ...credentials, 'status', '-A']);
}

/** Lines of a status listing that show a RUNNING process. */
export function runningLines(text: string): number {
  let n = 0;
  for (const line of text.split('\n')) if (/\sRUNNING(\s|$)/.test(line)) n++;
  return n;
}
