import { closeSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { constants as osConstants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SignalName } from '../config/types.js';
import type { Logger } from '../logs/logger.js';
import { isAlive, readProcStat } from './proc-stat.js';

/** What the agent needs to stop a child it finds left over from a previous run. */
export interface ChildRecord {
  pid: number;
  name: string;
  stopsignal: SignalName;
  stopwaitsecs: number;
  stopasgroup: boolean;
  killasgroup: boolean;
}

interface StoredChild extends ChildRecord {
  startTime: string;
}

/** The journal is rewritten with only the live children once it grows past this. */
const COMPACT_AT_BYTES = 1024 * 1024;
const POLL_MS = 20;
/** How long a leftover may take to die after SIGKILL before the agent starts anyway. */
const SIGKILL_WAIT_MS = 10_000;

/**
 * Records the agent's children in state_dir, so that an agent killed with SIGKILL finds the
 * children of its previous run at its next start and stops them before starting new ones:
 * never two copies of a program. Each child is recorded with its pid and its start time from
 * /proc, so a pid the kernel has since reused for another process is never mistaken for ours.
 *
 * The journal is an append-only text file, one line per event, keyed by the config file's path
 * (two agents with different configs on one host keep separate journals):
 *   agent <pid> <starttime>
 *   spawn <pid> <starttime> <stopsignal> <stopwaitsecs> <stopasgroup 0|1> <killasgroup 0|1> <name>
 *   exit <pid>
 * Appends are plain writes: they survive the agent's own death (the page cache outlives it);
 * a host crash takes the children with it, so fsync buys nothing here.
 */
export class ChildRegistry {
  private readonly live = new Map<number, StoredChild>();
  private bytes = 0;
  private fd: number | null = null;
  private closed = false;

  private constructor(readonly path: string) {}

  /** Opens (creating state_dir with mode 0700 when needed) the journal for one config file. */
  static open(stateDir: string, configFile: string): ChildRegistry {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    return new ChildRegistry(join(stateDir, `children-${stateKey(configFile)}.journal`));
  }

  /**
   * Reads what the previous run left, refuses to go on if that agent is still alive, stops every
   * leftover child (its stopsignal, then SIGKILL after stopwaitsecs), and starts a fresh journal
   * owned by this process. Throws an Error whose message says what to do when another agent is running.
   */
  async recover(logger: Logger, signal?: AbortSignal): Promise<void> {
    const previous = this.readJournal();
    if (previous.agent && previous.agent.pid !== process.pid && isAlive(previous.agent.pid, previous.agent.startTime)) {
      throw new Error(
        `another fleet-agent (pid ${previous.agent.pid}) is running with the state in ${this.path}; stop it first`,
      );
    }
    const leftovers = [...previous.children.values()].filter((c) => isAlive(c.pid, c.startTime));
    await Promise.all(leftovers.map((child) => this.stopLeftover(child, logger, signal)));
    this.live.clear();
    const self = readProcStat(process.pid);
    this.rewrite(`agent ${process.pid} ${self?.startTime ?? '0'}\n`);
  }

  /** Called right after a spawn; reads the child's start time from /proc. */
  recordSpawn(child: ChildRecord): void {
    if (this.closed) return;
    const startTime = readProcStat(child.pid)?.startTime ?? '0';
    const stored: StoredChild = { ...child, startTime };
    this.live.set(child.pid, stored);
    this.append(spawnLine(stored));
  }

  /** Called when a child has been reaped. */
  recordExit(pid: number): void {
    if (this.closed || !this.live.delete(pid)) return;
    this.append(`exit ${pid}\n`);
  }

  /**
   * Ends the journal. After a clean shutdown no child is left, so the journal only names this
   * (exiting) agent. Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private append(line: string): void {
    if (this.fd === null) this.fd = openSync(this.path, 'a', 0o600);
    writeSync(this.fd, line);
    this.bytes += line.length;
    if (this.bytes > COMPACT_AT_BYTES) this.compact();
  }

  private compact(): void {
    const self = readProcStat(process.pid);
    let text = `agent ${process.pid} ${self?.startTime ?? '0'}\n`;
    for (const child of this.live.values()) text += spawnLine(child);
    this.rewrite(text);
  }

  /** Replaces the journal atomically (write a temp file, then rename over). */
  private rewrite(text: string): void {
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, this.path);
    if (this.fd !== null) closeSync(this.fd);
    this.fd = openSync(this.path, 'a', 0o600);
    this.bytes = text.length;
  }

  private readJournal(): { agent: { pid: number; startTime: string } | null; children: Map<number, StoredChild> } {
    const children = new Map<number, StoredChild>();
    let agent: { pid: number; startTime: string } | null = null;
    let text = '';
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      // No journal yet: a first run.
    }
    for (const line of text.split('\n')) {
      const f = line.split(' ');
      if (f[0] === 'agent' && f.length >= 3) {
        agent = { pid: Number(f[1]), startTime: f[2]! };
      } else if (f[0] === 'spawn' && f.length >= 8) {
        const [, pid, startTime, stopsignal, stopwaitsecs, stopasgroup, killasgroup] = f;
        children.set(Number(pid), {
          pid: Number(pid),
          startTime: startTime!,
          stopsignal: stopsignal as SignalName,
          stopwaitsecs: Number(stopwaitsecs),
          stopasgroup: stopasgroup === '1',
          killasgroup: killasgroup === '1',
          name: f.slice(7).join(' '),
        });
      } else if (f[0] === 'exit' && f.length >= 2) {
        children.delete(Number(f[1]));
      }
      // Anything else is a torn last line from a crash: ignore it.
    }
    return { agent, children };
  }

  private async stopLeftover(child: StoredChild, logger: Logger, signal?: AbortSignal): Promise<void> {
    logger.warn(`found '${child.name}' (pid ${child.pid}) left running by a previous agent; stopping it`);
    const send = (sig: SignalName, group: boolean) => {
      if (!isAlive(child.pid, child.startTime)) return;
      try {
        process.kill(group ? -child.pid : child.pid, osConstants.signals[sig]);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    };
    send(child.stopsignal, child.stopasgroup);
    // Not our child any more (it was reparented), so no SIGCHLD will come: poll /proc.
    const deadline = Date.now() + child.stopwaitsecs * 1000;
    while (isAlive(child.pid, child.startTime) && Date.now() < deadline) await sleep(POLL_MS, undefined, { signal });
    if (isAlive(child.pid, child.startTime)) {
      logger.warn(`killing leftover '${child.name}' (pid ${child.pid}) with SIGKILL`);
      send('SIGKILL', child.killasgroup);
      // A process in uninterruptible sleep (D state) may outlive SIGKILL for a while: do not
      // hold the agent's start forever for it.
      const killDeadline = Date.now() + SIGKILL_WAIT_MS;
      while (isAlive(child.pid, child.startTime) && Date.now() < killDeadline) await sleep(POLL_MS, undefined, { signal });
      if (isAlive(child.pid, child.startTime)) {
        logger.critical(`leftover '${child.name}' (pid ${child.pid}) survived SIGKILL for ${SIGKILL_WAIT_MS / 1000} s; starting anyway`);
        return;
      }
    }
    logger.info(`stopped leftover '${child.name}' (pid ${child.pid})`);
  }
}

/**
 * What names one agent's files in state_dir (child journal, spool): a hash of its config file's
 * absolute path, so two agents with different configs on one host never share them.
 */
export function stateKey(configFile: string): string {
  return createHash('sha256').update(resolve(configFile)).digest('hex').slice(0, 16);
}

function spawnLine(c: StoredChild): string {
  const flag = (b: boolean) => (b ? '1' : '0');
  return `spawn ${c.pid} ${c.startTime} ${c.stopsignal} ${c.stopwaitsecs} ${flag(c.stopasgroup)} ${flag(c.killasgroup)} ${c.name}\n`;
}
