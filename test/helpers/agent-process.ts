import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { waitFor } from './wait-for.js';

/** The repository root: the nearest directory above this file with fleetvisor's package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'bin', 'fleet-agent'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository root above ' + import.meta.url);
    dir = parent;
  }
  return dir;
}

export const FLEET_AGENT = join(repoRoot(), 'bin', 'fleet-agent');

export interface RunningAgent {
  proc: ChildProcess;
  /** Everything the agent printed on stdout and stderr so far. */
  output(): string;
  /** Waits until the output matches. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends a signal and waits for the exit; resolves to the exit code (or the signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Runs `fleet-agent ARGS` in the foreground and captures its output. */
export function startAgent(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunningAgent {
  const proc = spawn(process.execPath, [FLEET_AGENT, ...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  proc.stdout!.setEncoding('utf8').on('data', (s: string) => (text += s));
  proc.stderr!.setEncoding('utf8').on('data', (s: string) => (text += s));
  const exited = once(proc, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  return {
    proc,
    output: () => text,
    waitForOutput: (pattern, timeoutMs = 10_000) =>
      waitFor(() => text.match(pattern), { timeoutMs, what: `agent output matching ${pattern}; output so far:\n${text}` }),
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** Runs fleet-agent to completion (for --check, bad configs, -h) and returns its exit code and output. */
export async function runAgentOnce(args: string[], options: { cwd?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [FLEET_AGENT, ...args], { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  proc.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const [code] = await once(proc, 'exit');
  return { code: code as number, stdout, stderr };
}

/** Writes a config file; `%(here)s` keeps paths inside the test's temp dir. */
export function writeConfig(dir: string, text: string, name = 'supervisord.conf'): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

export function readText(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/** Whether a process with this pid exists (a zombie counts: it is not reaped yet). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
