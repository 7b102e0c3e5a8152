/**
 * The parity harness: the same config and the same command lines under supervisord +
 * supervisorctl and under fleet-agent + fleetctl, each pair in its own temp dir with its own
 * socket, and a comparison of stdout, stderr and exit code with the parts that must differ
 * (pids, uptimes, stop times, temp dirs, the program's own name) masked.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { repoRoot, startAgent, type RunningAgent } from './agent-process.js';
import { makeTempDir } from './temp-dir.js';
import { waitFor } from './wait-for.js';

export const SUPERVISORD = '/usr/bin/supervisord';
export const SUPERVISORCTL = '/usr/bin/supervisorctl';
export const FLEETCTL = join(repoRoot(), 'bin', 'fleetctl');

/** Why the supervisord half cannot run here, or null when it can. */
export function supervisorMissing(): string | null {
  if (!existsSync(SUPERVISORD) || !existsSync(SUPERVISORCTL)) {
    return `${SUPERVISORD} is not installed (apt-get install supervisor; CI installs it)`;
  }
  if (!existsSync(join(repoRoot(), 'dist', 'cli', 'client', 'grpc-agent-client.js'))) {
    return 'fleetctl has no gRPC client yet (cli/client/grpc-agent-client.ts)';
  }
  return null;
}

export interface CtlResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs a CLI to completion with `input` on stdin (closed right away when absent). */
export async function runCli(argv: string[], options: { cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<CtlResult> {
  const [file, ...args] = argv;
  const child = spawn(file!, args, { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LANG: 'C.UTF-8' } });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (b: Buffer) => out.push(b));
  child.stderr!.on('data', (b: Buffer) => err.push(b));
  child.stdin!.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  const [code, signal] = (await once(child, 'close')) as [number | null, string | null];
  clearTimeout(timer);
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code: code ?? (signal === 'SIGKILL' ? -9 : -1) };
}

/** One side of the comparison: a daemon (or none) and the CLI that talks to it. */
export interface Side {
  name: 'supervisor' | 'fleet';
  dir: string;
  config: string;
  /** Runs the CLI with `-c <config>` (or the given flags instead) and these words. */
  ctl(words: string[], options?: { flags?: string[]; input?: string }): Promise<CtlResult>;
  /** The daemon's pid, or null when none runs. */
  daemonPid(): number | null;
  /** Resolves when the daemon process has exited (at once when none was started). */
  daemonExited(): Promise<void>;
  stopDaemon(): Promise<void>;
  remove(): void;
}

export function cliFor(name: Side['name']): string[] {
  return name === 'supervisor' ? [SUPERVISORCTL] : [process.execPath, FLEETCTL];
}

/**
 * Makes a side: a temp dir holding `supervisord.conf` (the template's text, which uses %(here)s
 * for every path), with its daemon started in the foreground when `start` is set.
 */
export async function makeSide(name: Side['name'], configText: string, start: boolean): Promise<Side> {
  const tmp = makeTempDir(`fleetvisor-parity-${name === 'supervisor' ? 'sd' : 'fa'}-`);
  const config = join(tmp.path, 'supervisord.conf');
  writeFileSync(config, configText);
  let daemon: ChildProcess | null = null;
  let agent: RunningAgent | null = null;
  let output = '';
  if (start) {
    if (name === 'supervisor') {
      daemon = spawn(SUPERVISORD, ['-n', '-c', config], { cwd: tmp.path, stdio: ['ignore', 'pipe', 'pipe'] });
      daemon.stdout!.setEncoding('utf8').on('data', (s: string) => (output += s));
      daemon.stderr!.setEncoding('utf8').on('data', (s: string) => (output += s));
    } else {
      agent = startAgent(['-n', '-c', config], { cwd: tmp.path });
    }
  }
  const cli = cliFor(name);
  const proc = daemon ?? agent?.proc ?? null;
  const exited: Promise<void> =
    proc === null || proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : once(proc, 'exit').then(() => undefined);
  const side: Side = {
    name,
    dir: tmp.path,
    config,
    ctl: (words, options = {}) => runCli([...cli, ...(options.flags ?? ['-c', config]), ...words], { cwd: tmp.path, input: options.input }),
    daemonPid: () => daemon?.pid ?? agent?.proc.pid ?? null,
    daemonExited: () => exited,
    async stopDaemon() {
      if (daemon && daemon.exitCode === null && daemon.signalCode === null) {
        const exited = once(daemon, 'exit');
        process.kill(daemon.pid!, 'SIGTERM');
        await exited;
      }
      if (agent) await agent.stop('SIGTERM');
    },
    remove: () => tmp.remove(),
  };
  if (start) {
    await waitFor(
      async () => {
        const r = await side.ctl(['pid']);
        return r.code === 0;
      },
      { timeoutMs: 15_000, intervalMs: 100, what: `${name} daemon answering on its socket; output:\n${agent ? agent.output() : output}` },
    );
  }
  return side;
}

/** Masks what legitimately differs between two runs: pids, times, the temp dir, the program name. */
export function mask(text: string, side: Side, extra: Array<[RegExp, string]> = []): string {
  let t = text.split(side.dir).join('<DIR>');
  t = t.replace(/pid \d+, uptime (?:\d+ days?, )?\d+:\d\d:\d\d/g, 'pid <PID>, uptime <UPTIME>');
  t = t.replace(/\b[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M\b/g, '<STOPTIME>');
  t = t.replaceAll('/usr/bin/supervisorctl', '<PROG>').replace(/\bfleetctl\b/g, '<PROG>');
  // supervisorctl's catch-all ends with the Python source location; fleetctl leaves it out.
  t = t.replace(/: file: \S+ line: \d+$/gm, '');
  for (const [pattern, replacement] of extra) t = t.replace(pattern, replacement);
  return t;
}

export interface Comparison {
  words: string[];
  supervisor: CtlResult;
  fleet: CtlResult;
  same: boolean;
}

/**
 * supervisord reports the processes of a group (or all) as each one finishes stopping, so the
 * order of consecutive `x: stopped` lines is not part of the contract: each run of them is sorted.
 */
export function sortStopRuns(text: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  let run: string[] = [];
  const flush = (): void => {
    out.push(...run.sort());
    run = [];
  };
  for (const line of lines) {
    if (line.endsWith(': stopped')) {
      run.push(line);
    } else {
      flush();
      out.push(line);
    }
  }
  flush();
  return out.join('\n');
}

/** Runs the same words on both sides at once and compares the masked results. */
export async function compare(
  sup: Side,
  fleet: Side,
  words: string[],
  options: { flags?: (side: Side) => string[]; input?: string; masks?: Array<[RegExp, string]>; unordered?: 'stop-runs' | 'lines' } = {},
): Promise<Comparison> {
  const order = (text: string): string =>
    options.unordered === 'stop-runs' ? sortStopRuns(text) : options.unordered === 'lines' ? text.split('\n').sort().join('\n') : text;
  const run = async (side: Side): Promise<CtlResult> => {
    const r = await side.ctl(words, { flags: options.flags?.(side), input: options.input });
    return { stdout: order(mask(r.stdout, side, options.masks)), stderr: mask(r.stderr, side, options.masks), code: r.code };
  };
  const [a, b] = await Promise.all([run(sup), run(fleet)]);
  const same = a.stdout === b.stdout && a.stderr === b.stderr && a.code === b.code;
  return { words, supervisor: a, fleet: b, same };
}

/** A readable account of one difference, for test failures and the report. */
export function describeDifference(c: Comparison): string {
  const show = (r: CtlResult): string => `exit ${r.code}\nstdout: ${JSON.stringify(r.stdout)}\nstderr: ${JSON.stringify(r.stderr)}`;
  return `$ ctl ${c.words.join(' ')}\n-- supervisorctl --\n${show(c.supervisor)}\n-- fleetctl --\n${show(c.fleet)}`;
}

/** Runs independent comparisons a few at a time (the CLIs are mostly start-up time), in order of the list. */
export async function compareAll<T>(items: readonly T[], run: (item: T) => Promise<Comparison>, concurrency = 3): Promise<Comparison[]> {
  const results: Comparison[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await run(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
