/**
 * Builds engines over real processes for test/engine-*.test.ts: typed configs with supervisord's
 * defaults, a capturing activity log, an event recorder, and a cleanup that SIGKILLs every
 * process group the engine spawned. One NativeSpawner per test file (waitpid(-1) allows one per
 * process); engines are created and closed one after another on it.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  ChannelConfig,
  Config,
  GroupConfig,
  LogLevel,
  ProcessConfig,
} from '../../agent/config/types.js';
import { Supervisor, type SupervisorOptions } from '../../agent/engine/supervisor.js';
import type { Logger } from '../../agent/logs/logger.js';
import type { EngineEvent } from '../../agent/process/events.js';
import { NativeSpawner } from '../../agent/process/native-spawner.js';
import { makeTempDir } from './temp-dir.js';
import { waitFor } from './wait-for.js';

export { program } from './process-config.js';

/** A group holding `processes` (their `group` is set to its name). */
export function group(name: string, processes: ProcessConfig[], priority = 999): GroupConfig {
  return {
    name,
    kind: 'program',
    priority,
    processes: processes.map((p) => ({ ...p, group: name })),
    eventListener: null,
    fcgi: null,
    location: { file: 'test.conf', line: 0 },
  };
}

/** A one-process group, as [program:x] makes it, with the group priority taken from the program. */
export function single(p: ProcessConfig): GroupConfig {
  return group(p.name, [p], p.priority);
}

export function config(dir: string, groups: GroupConfig[], overrides: Partial<Config['supervisord']> = {}): Config {
  return {
    file: join(dir, 'supervisord.conf'),
    files: [join(dir, 'supervisord.conf')],
    supervisord: {
      logfile: join(dir, 'supervisord.log'),
      logfileMaxbytes: 50 * 1024 * 1024,
      logfileBackups: 10,
      loglevel: 'info',
      pidfile: join(dir, 'supervisord.pid'),
      umask: 0o22,
      nodaemon: true,
      silent: true,
      minfds: 1024,
      minprocs: 200,
      nocleanup: false,
      childlogdir: dir,
      user: null,
      directory: null,
      stripAnsi: false,
      environment: null,
      identifier: 'supervisor',
      ...overrides,
    },
    unixHttpServer: { file: join(dir, 'supervisor.sock'), chmod: 0o700, chown: null, username: null, password: null },
    inetHttpServer: null,
    supervisorctl: { serverurl: `unix://${join(dir, 'supervisor.sock')}`, username: null, password: null, prompt: 'supervisor', historyFile: null },
    fleet: { host: 'test', labels: {}, controller: null, insecure: false, stateDir: dir, spoolMaxBytes: 64 * 1024 * 1024, joinToken: null, caFingerprint: null },
    groups,
  };
}

export interface LogLine {
  time: number;
  level: LogLevel;
  message: string;
}

/** The activity log as a list of lines. */
export class MemoryLogger implements Logger {
  readonly lines: LogLine[] = [];
  log(level: LogLevel, message: string): void {
    this.lines.push({ time: Date.now(), level, message });
  }
  critical(m: string): void { this.log('critical', m); }
  error(m: string): void { this.log('error', m); }
  warn(m: string): void { this.log('warn', m); }
  info(m: string): void { this.log('info', m); }
  debug(m: string): void { this.log('debug', m); }
  trace(m: string): void { this.log('trace', m); }
  blather(m: string): void { this.log('blather', m); }

  messages(level?: LogLevel): string[] {
    return this.lines.filter((l) => !level || l.level === level).map((l) => l.message);
  }
  has(message: string | RegExp): boolean {
    return this.lines.some((l) => (typeof message === 'string' ? l.message === message : message.test(l.message)));
  }
}

/** Shared state of one test file: the spawner, a temp dir, every pid ever spawned and every exit. */
export class EngineHarness {
  readonly spawner = new NativeSpawner();
  readonly dir = makeTempDir('fleetvisor-engine-');
  readonly spawned = new Set<number>();
  readonly exited = new Set<number>();
  private readonly engines: Supervisor[] = [];

  constructor() {
    this.spawner.onExit((pid) => this.exited.add(pid));
  }

  /** Writes an executable shell script into the temp dir and returns its path. */
  script(name: string, body: string): string {
    const path = join(this.dir.path, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  /** A new engine over `groups`; it is started (autostart) unless `start: false`. */
  async engine(
    groups: GroupConfig[],
    options: { start?: boolean; supervisord?: Partial<Config['supervisord']> } & Partial<SupervisorOptions> = {},
  ): Promise<{ engine: Supervisor; logger: MemoryLogger; events: EngineEvent[] }> {
    const logger = new MemoryLogger();
    const events: EngineEvent[] = [];
    const engine = new Supervisor({
      config: config(this.dir.path, groups, options.supervisord),
      spawner: this.spawner,
      logger,
      events: {
        emit: (e) => {
          events.push(e);
          if (e.type === 'spawned') this.spawned.add(e.pid);
        },
      },
      ...options,
    });
    this.engines.push(engine);
    if (options.start ?? true) await engine.start();
    return { engine, logger, events };
  }

  /** Closes every engine, SIGKILLs every process group still alive, waits until all are reaped. */
  async cleanup(): Promise<void> {
    // Closed engines ignore exits, so nothing killed below is restarted.
    for (const engine of this.engines) await engine.close();
    for (const pid of this.spawned) if (!this.exited.has(pid)) this.spawner.kill(pid, 'SIGKILL', true);
    await waitFor(() => [...this.spawned].every((pid) => this.exited.has(pid)), {
      what: `every child to be reaped (left: ${[...this.spawned].filter((pid) => !this.exited.has(pid)).join(' ')})`,
    });
    this.spawner.close();
    this.dir.remove();
  }

  /** Stops everything an engine runs, then closes it (the end of most tests). */
  async finish(engine: Supervisor): Promise<void> {
    await engine.shutdown();
    await engine.close();
  }
}

/** Spawn times (epoch ms) of one process, from the recorded events. */
export function spawnTimes(events: EngineEvent[], name: string): number[] {
  return events.filter((e) => e.type === 'spawned' && e.name === name).map((e) => e.time);
}

/** The `from -> to` edges of one process, from the recorded events. */
export function edges(events: EngineEvent[], name: string): string[] {
  return events.flatMap((e) => (e.type === 'transition' && e.name === name ? [`${e.from} -> ${e.to}`] : []));
}

export { waitFor };
