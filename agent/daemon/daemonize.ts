import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { closeSync, writeSync } from 'node:fs';

/** Set in the environment of the background copy of fleet-agent. */
const DAEMON_CHILD_ENV = 'FLEETVISOR_DAEMON_CHILD';
/** The background copy reports on this fd whether it started: a line "ready", or an error text (after `exit N\n` to choose the exit code). */
const REPORT_FD = 3;

export function isDaemonChild(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[DAEMON_CHILD_ENV] === '1';
}

/**
 * Starts this same command again in the background, in a new session with stdio on /dev/null
 * (supervisord forks and calls setsid; Node cannot fork itself, so it re-executes). Unlike
 * supervisord, the foreground process waits until the background one has started, so a start-up
 * failure is printed where the user can see it. Resolves to the exit code for the foreground process.
 * This runs before any program is supervised: it is the agent's only use of node:child_process.
 */
export function daemonize(argv: string[] = process.argv): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, ...argv.slice(1)], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    env: { ...process.env, [DAEMON_CHILD_ENV]: '1' },
  });
  return new Promise((resolve) => {
    let report = '';
    const pipe = child.stdio[REPORT_FD] as Readable;
    pipe.setEncoding('utf8');
    pipe.on('data', (s: string) => (report += s));
    pipe.on('end', () => {
      child.unref();
      if (report.startsWith('ready\n')) return resolve(0);
      // A report may start with `exit N` (a usage error is 2, as supervisord's); else it is 1.
      const code = /^exit (\d+)\n/.exec(report);
      if (code) report = report.slice(code[0].length);
      process.stderr.write(report || 'Error: fleet-agent exited while starting in the background; run it with -n to see why\n');
      resolve(code ? Number(code[1]) : 1);
    });
    child.on('error', (err) => {
      process.stderr.write(`Error: could not start fleet-agent in the background: ${err.message}\n`);
      resolve(1);
    });
  });
}

/** In the background copy: tell the waiting foreground process how the start went. Idempotent. */
let reported = false;
export function reportToForeground(text: string): void {
  if (reported || !isDaemonChild()) return;
  reported = true;
  try {
    writeSync(REPORT_FD, text);
    closeSync(REPORT_FD);
  } catch {
    // The foreground process is gone; nobody is waiting.
  }
}
