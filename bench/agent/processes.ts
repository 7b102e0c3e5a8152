// Every process the bench starts, and the guarantee that none outlives it.
//
// Daemons are started in their own session and process group (detached), so a Ctrl-C in the
// terminal reaches only the harness, and cleanup can kill a daemon's whole group. Supervised
// children put themselves in their own groups (supervisord calls setpgrp), so they are found
// another way: every one of them has the bench's temp dir on its command line. Cleanup kills
// the daemons' groups first (so nothing respawns), then every live process that mentions the
// temp dir, then removes the dir. It runs on normal exit, on failure, and on SIGINT/SIGTERM/SIGHUP.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monoMs, realNowMs } from './clock.js';
import { processesMentioning } from './procfs.js';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class Daemon {
  /** Wall-clock ms taken just before the exec (spawn() returns once exec has happened). */
  readonly startedAtMs: number;
  readonly pid: number;
  exitInfo: ExitInfo | null = null;
  readonly exited: Promise<ExitInfo>;

  constructor(
    child: ChildProcess,
    startedAtMs: number,
    readonly outputFile: string,
    readonly label: string,
  ) {
    if (child.pid === undefined) throw new Error(`${label}: spawn failed`);
    this.pid = child.pid;
    this.startedAtMs = startedAtMs;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  get alive(): boolean {
    return this.exitInfo === null;
  }

  /** The last lines the daemon wrote to its stdout/stderr, for error messages. */
  outputTail(lines = 15): string {
    try {
      return readFileSync(this.outputFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no output)';
    }
  }

  /** Throws a descriptive error if the daemon has exited. */
  assertAlive(what: string): void {
    if (this.exitInfo === null) return;
    const how = this.exitInfo.signal ? `signal ${this.exitInfo.signal}` : `code ${this.exitInfo.code}`;
    throw new Error(`${this.label} exited (${how}) while ${what}; its last output:\n${this.outputTail()}`);
  }

  /**
   * Sends SIGTERM to the daemon (its pid only, not its group, so children are stopped by the
   * daemon itself) and returns the seconds until it exited, or null if it did not exit within
   * timeoutMs (it is then SIGKILLed with its group).
   */
  async terminate(timeoutMs: number): Promise<number | null> {
    if (!this.alive) return 0;
    const t0 = monoMs();
    process.kill(this.pid, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const result = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (result !== 'timeout') return (monoMs() - t0) / 1000;
    this.kill();
    await this.exited;
    return null;
  }

  /** SIGKILL to the daemon's whole process group. */
  kill(): void {
    if (!this.alive) return;
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Kills every live process whose command line mentions `needle`; returns how many it killed. */
export function killProcessesMentioning(needle: string): number {
  let killed = 0;
  for (let round = 0; round < 20; round++) {
    const pids = processesMentioning(needle);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
        killed++;
      } catch {
        /* raced with its exit */
      }
    }
    sleepSync(50);
  }
  return killed;
}

/** The bench's temp dir and the daemons started in it. */
export class Workspace {
  readonly root: string;
  private readonly daemons = new Set<Daemon>();
  private cleaned = false;

  /** keepFiles: leave the dir (configs, daemon logs, stamps) for inspection; processes still die. */
  constructor(private readonly keepFiles = false) {
    this.root = mkdtempSync(join(tmpdir(), 'fleetvisor-bench-'));
  }

  /** Starts a daemon detached (own session and group), with its output in `outputFile`. */
  launch(label: string, command: string, args: string[], cwd: string, outputFile: string): Daemon {
    const fd = openSync(outputFile, 'a');
    try {
      const startedAt = realNowMs();
      const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', fd, fd] });
      let spawnError: Error | null = null;
      child.on('error', (err) => {
        spawnError = err;
      });
      if (child.pid === undefined) throw new Error(`${label}: cannot start ${command}: ${String(spawnError ?? 'spawn failed')}`);
      const daemon = new Daemon(child, startedAt, outputFile, label);
      this.daemons.add(daemon);
      void daemon.exited.then(() => this.daemons.delete(daemon));
      return daemon;
    } finally {
      closeSync(fd);
    }
  }

  /** Ends a run: kills whatever is left of it and removes its dir. */
  finishRun(dir: string, daemon: Daemon | null): number {
    daemon?.kill();
    const killed = killProcessesMentioning(dir);
    if (!this.keepFiles) rmSync(dir, { recursive: true, force: true });
    else rmSync(join(dir, 'logs'), { recursive: true, force: true }); // the big captured logs go anyway
    return killed;
  }

  /** Synchronous and idempotent: safe from 'exit' and signal handlers. */
  cleanup(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    for (const d of this.daemons) d.kill();
    killProcessesMentioning(this.root);
    if (!this.keepFiles) rmSync(this.root, { recursive: true, force: true });
  }

  /** Cleans up on exit, on failure and on the usual terminal signals. */
  installHandlers(): void {
    process.on('exit', () => this.cleanup());
    const onSignal = (signal: NodeJS.Signals, code: number) => () => {
      process.stderr.write(`\n[bench] ${signal}: stopping every process the bench started and removing ${this.root}\n`);
      this.cleanup();
      process.exit(code);
    };
    process.on('SIGINT', onSignal('SIGINT', 130));
    process.on('SIGTERM', onSignal('SIGTERM', 143));
    process.on('SIGHUP', onSignal('SIGHUP', 129));
    process.on('uncaughtException', (err) => {
      process.stderr.write(`[bench] fatal: ${err.stack ?? err.message}\n`);
      this.cleanup();
      process.exit(1);
    });
  }
}
