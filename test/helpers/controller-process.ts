/**
 * A real fleet-controller process for system tests: `--insecure` on 127.0.0.1 with a port the
 * system picks, its data in a temp dir; the address comes from its ready line. And fleetctl as
 * a real process too, one-shot or left running (logs -f, events) until a signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { repoRoot } from './agent-process.js';
import { waitFor } from './wait-for.js';

export const FLEET_CONTROLLER = join(repoRoot(), 'bin', 'fleet-controller');
export const FLEETCTL = join(repoRoot(), 'bin', 'fleetctl');

export interface ControllerProcess {
  proc: ChildProcess;
  /** `127.0.0.1:PORT` of its gRPC listener. */
  address: string;
  output(): string;
  /** SIGTERM (or `signal`) and wait for the exit. Idempotent. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startControllerProcess(dataDir: string, extraArgs: string[] = []): Promise<ControllerProcess> {
  const proc = spawn(
    process.execPath,
    [FLEET_CONTROLLER, '--insecure', '--listen', '127.0.0.1:0', '--http', '127.0.0.1:0', '--data', dataDir, ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let text = '';
  proc.stdout!.setEncoding('utf8').on('data', (s: string) => (text += s));
  proc.stderr!.setEncoding('utf8').on('data', (s: string) => (text += s));
  const exited = once(proc, 'exit');
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    await exited;
  };
  try {
    const ready = await waitFor(() => /ready: gRPC (127\.0\.0\.1:\d+)/.exec(text) ?? (proc.exitCode !== null ? new Error(text) : null), {
      what: `fleet-controller's ready line; output so far:\n${text}`,
      timeoutMs: 15_000,
    });
    if (ready instanceof Error) throw new Error(`fleet-controller exited at start-up:\n${ready.message}`);
    return { proc, address: ready[1]!, output: () => text, stop };
  } catch (err) {
    await stop('SIGKILL');
    throw err;
  }
}

export interface FleetctlResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit, ms. */
  ms: number;
}

export interface RunningFleetctl {
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Sends `signal` (SIGINT: Ctrl-C) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<FleetctlResult>;
  exited: Promise<FleetctlResult>;
}

/**
 * Starts `fleetctl ARGS` with `env` added to this process's environment (FLEET_* of the caller
 * are dropped); `input`, when given, is its stdin (then closed).
 */
export function startFleetctl(args: string[], env: Record<string, string> = {}, input?: string): RunningFleetctl {
  return startBin(FLEETCTL, args, env, input);
}

function startBin(bin: string, args: string[], env: Record<string, string>, input?: string): RunningFleetctl {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FLEET_')));
  const started = Date.now();
  const proc = spawn(process.execPath, [bin, ...args], { env: { ...base, ...env }, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  if (input !== undefined) proc.stdin!.end(input);
  let stdout = '';
  let stderr = '';
  proc.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  proc.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = once(proc, 'close').then(([code]) => ({ code: code as number | null, stdout, stderr, ms: Date.now() - started }));
  return {
    proc,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop(signal = 'SIGINT') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
    exited,
  };
}

/** Runs `fleetctl ARGS` to its end (killed after `timeoutMs`, which fails the caller's assertions). */
export function runFleetctl(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000, input?: string): Promise<FleetctlResult> {
  return runToEnd(startFleetctl(args, env, input), timeoutMs);
}

/** Runs `fleet-controller ARGS` to its end (`bootstrap`, `ca-fingerprint`, a start-up that fails). */
export function runFleetController(args: string[], timeoutMs = 20_000): Promise<FleetctlResult> {
  return runToEnd(startBin(FLEET_CONTROLLER, args, {}), timeoutMs);
}

async function runToEnd(run: RunningFleetctl, timeoutMs: number): Promise<FleetctlResult> {
  const timer = setTimeout(() => run.proc.kill('SIGKILL'), timeoutMs);
  try {
    return await run.exited;
  } finally {
    clearTimeout(timer);
  }
}
