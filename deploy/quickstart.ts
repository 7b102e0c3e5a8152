/**
 * `npm start`: a fleet on one machine for trying fleetvisor. It runs fleet-controller in its
 * development mode (plaintext on loopback, SQLite under .fleetvisor-dev/), then fleet-agent on
 * examples/quickstart.conf, whose [fleet] section points at that controller; it waits until the
 * agent's link is up, prints the dashboard URL and commands to try, and on Ctrl-C (or SIGTERM)
 * stops the agent (which stops its processes) and then the controller. If either exits on its own,
 * the other is stopped too and the exit status is 1.
 *
 * Options (for tests and busy machines): --config FILE, --listen ADDR, --http ADDR, --dir DIR.
 * The agent's [fleet] controller must match --listen.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..', '..');
const READY_TIMEOUT_MS = 30_000;

interface Daemon {
  name: string;
  proc: ChildProcess;
  /** Every byte it printed, also kept in its .out file. */
  output: () => string;
  exited: Promise<void>;
}

function startDaemon(name: string, bin: string, args: string[], outFile: string): Daemon {
  const proc = spawn(process.execPath, [join(ROOT, 'bin', bin), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: the terminal's Ctrl-C reaches this launcher only, which then stops
    // the agent before the controller, in that order.
    detached: true,
  });
  const file = createWriteStream(outFile);
  let text = '';
  const keep = (chunk: Buffer): void => {
    file.write(chunk);
    text += chunk.toString('utf8');
    if (text.length > 64 * 1024) text = text.slice(-32 * 1024);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = once(proc, 'exit').then(() => void file.end());
  return { name, proc, output: () => text, exited };
}

function running(d: Daemon): boolean {
  return d.proc.exitCode === null && d.proc.signalCode === null;
}

/** Resolves with the match once `pattern` shows in the daemon's output; rejects if it exits first or on timeout. */
function waitForOutput(d: Daemon, pattern: RegExp, what: string): Promise<RegExpMatchArray> {
  return new Promise((resolveMatch, reject) => {
    const check = (): void => {
      const m = d.output().match(pattern);
      if (m) {
        cleanup();
        resolveMatch(m);
      }
    };
    const onExit = (): void => {
      cleanup();
      reject(new Error(`${d.name} exited before ${what}:\n${tail(d.output())}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${d.name} did not report ${what} within ${READY_TIMEOUT_MS / 1000} s:\n${tail(d.output())}`));
    }, READY_TIMEOUT_MS);
    const cleanup = (): void => {
      clearTimeout(timer);
      d.proc.stdout!.off('data', check);
      d.proc.stderr!.off('data', check);
      d.proc.off('exit', onExit);
    };
    d.proc.stdout!.on('data', check);
    d.proc.stderr!.on('data', check);
    d.proc.once('exit', onExit);
    check();
  });
}

function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).map((l) => `  | ${l}`).join('\n');
}

async function stop(d: Daemon | null): Promise<void> {
  if (d === null) return;
  if (running(d)) d.proc.kill('SIGTERM');
  const timer = setTimeout(() => running(d) && d.proc.kill('SIGKILL'), 15_000);
  await d.exited;
  clearTimeout(timer);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', default: join(ROOT, 'examples', 'quickstart.conf') },
      listen: { type: 'string', default: '127.0.0.1:7400' },
      http: { type: 'string', default: '127.0.0.1:7401' },
      dir: { type: 'string', default: join(ROOT, '.fleetvisor-dev') },
    },
  });
  const dir = resolve(values.dir);
  const dataDir = join(dir, 'controller');
  mkdirSync(dataDir, { recursive: true });
  const show = (p: string): string => (relative(process.cwd(), p).startsWith('..') ? p : relative(process.cwd(), p) || '.');

  let controller: Daemon | null = null;
  let agent: Daemon | null = null;
  let stopping = false;
  const stopAll = async (): Promise<void> => {
    stopping = true;
    await stop(agent);
    await stop(controller);
  };
  const interrupted = new Promise<'signal'>((resolveSignal) => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => resolveSignal('signal'));
  });

  try {
    process.stdout.write(`Starting fleet-controller on ${values.listen} (data in ${show(dataDir)})...\n`);
    controller = startDaemon('fleet-controller', 'fleet-controller', ['--insecure', '--listen', values.listen, '--http', values.http, '--data', dataDir], join(dir, 'controller.out'));
    const ready = await Promise.race([waitForOutput(controller, /ready: gRPC (\S+).*HTTP (\S+),/, 'ready'), interrupted]);
    if (ready === 'signal') return (await stopAll(), 0);
    const [, grpcAddress, dashboard] = ready;

    process.stdout.write(`Starting fleet-agent on ${show(values.config)}...\n`);
    agent = startDaemon('fleet-agent', 'fleet-agent', ['-n', '-c', values.config], join(dir, 'agent.out'));
    const linked = await Promise.race([waitForOutput(agent, /controller link up/, 'its link to the controller'), interrupted]);
    if (linked === 'signal') return (await stopAll(), 0);

    const ctl = `node bin/fleetctl --controller ${grpcAddress} --insecure`;
    process.stdout.write(
      [
        '',
        'fleetvisor is running:',
        `  dashboard   ${dashboard}`,
        `  controller  ${grpcAddress} (development mode: plaintext, loopback only)`,
        `  agent       host ${hostname()}, config ${show(values.config)}`,
        `  output      ${show(join(dir, 'controller.out'))}, ${show(join(dir, 'agent.out'))}`,
        '',
        'Try, in another terminal:',
        `  ${ctl} status -A`,
        `  ${ctl} hosts`,
        `  ${ctl} logs -f 'ticker:*'`,
        `  ${ctl} history flaky`,
        `  ${ctl} restart 'ticker:*'`,
        `  node bin/fleetctl -c ${show(values.config)} status      # the agent's local socket, as supervisorctl`,
        '',
        'Ctrl-C stops everything.',
        '',
      ].join('\n'),
    );
    const c = controller;
    const a = agent;
    const ended = await Promise.race([interrupted, c.exited.then(() => c), a.exited.then(() => a)]);
    if (ended === 'signal') {
      process.stdout.write('Stopping the agent and its processes, then the controller...\n');
      await stopAll();
      process.stdout.write('Stopped.\n');
      return 0;
    }
    if (!stopping) process.stderr.write(`Error: ${ended.name} exited unexpectedly:\n${tail(ended.output())}\n`);
    await stopAll();
    return 1;
  } catch (err) {
    process.stderr.write(`Error: ${(err as Error).message}\n`);
    if (/EADDRINUSE|address already in use/i.test((err as Error).message)) {
      process.stderr.write('Another fleet-controller (or npm start) may be running; stop it, or pass --listen and --http with free ports.\n');
    }
    await stopAll();
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`Error: ${String(err)}\n`);
    process.exit(1);
  },
);
