import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { VERSION } from '../../common/version.js';
import { formatDiagnostic } from '../config/load.js';
import type { Config, ConfigDiagnostic, ConfigResult } from '../config/types.js';
import type { ControlHost } from '../control/control-host.js';
import { startControlServer, type ControlServer } from '../control/control-server.js';
import { Supervisor } from '../engine/supervisor.js';
import { ControllerLink } from '../link/link.js';
import { openActivityLog, type ActivityLog } from '../logs/activity-log.js';
import { cleanupAutoLogs } from '../logs/auto-log.js';
import { native } from '../native/addon.js';
import type { Logger } from '../logs/logger.js';
import type { EngineEvent } from '../process/events.js';
import { NativeSpawner } from '../process/native-spawner.js';
import { resolveUser } from '../process/user.js';
import { ChildRegistry, stateKey } from './child-registry.js';
import { isDaemonChild, reportToForeground } from './daemonize.js';
import { Pidfile } from './pidfile.js';
import { ensureRlimits } from './rlimits.js';
import { formatNamespec } from '../../common/namespec.js';

export interface RunOptions {
  config: Config;
  warnings: ConfigDiagnostic[];
  /** Reads the configuration again (SIGHUP), with the same file and command-line overrides. */
  reload: () => ConfigResult;
}

const EXIT_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const;

/**
 * Runs the agent until a TERM, INT or QUIT signal has stopped every program. Resolves to the exit
 * code. Throws (before anything is spawned) when the agent cannot start: limits, user, logs,
 * a previous agent still alive.
 */
export async function runAgent(options: RunOptions): Promise<number> {
  const agent = new Agent(options.reload);
  await agent.start(options.config, options.warnings);
  return agent.finished;
}

/** One agent process: the pieces built from one config, rebuilt on SIGHUP; the spawner and the registry live as long as the process. */
class Agent {
  private log!: ActivityLog;
  /** The config the running engine was built from. */
  private config!: Config;
  private pidfile!: Pidfile;
  private supervisor!: Supervisor;
  private control: ControlServer | null = null;
  private registry!: ChildRegistry;
  private spawner: NativeSpawner | null = null;
  /** The stream to fleet-controller when [fleet] controller is set; it lives across reloads. */
  private link: ControllerLink | null = null;
  private readonly instanceId = randomUUID();
  private readonly startedMs = Date.now();
  private stopping = false;
  private tornDown = false;
  /**
   * Keeps the event loop alive while the agent runs. Node does not count signal handlers, and a
   * moment with no child pipe open (every program stopped, or the only child just died and its
   * pipes closed before SIGCHLD is handled) would otherwise let the process exit. The interval is
   * the longest Node allows (24.8 days), so it costs no wake-ups worth counting.
   */
  private keepAlive: NodeJS.Timeout | undefined;
  private reloading: Promise<void> | null = null;
  private resolveFinished!: (code: number) => void;
  readonly finished = new Promise<number>((resolve) => (this.resolveFinished = resolve));

  constructor(private readonly readConfig: () => ConfigResult) {}

  async start(config: Config, warnings: ConfigDiagnostic[]): Promise<void> {
    const { supervisord } = config;
    this.config = config;
    if (isDaemonChild()) {
      if (supervisord.directory) process.chdir(supervisord.directory);
      process.umask(supervisord.umask);
    }
    // The activity log echoes to stdout in the foreground; a terminal that went away (EPIPE) must
    // not take the agent down. The log file still receives every line.
    process.stdout.on('error', () => {});
    const infos = ensureRlimits(supervisord, native);
    const dropped = this.dropPrivileges(supervisord.user);
    this.openLog(config);
    for (const info of infos) this.log.info(info);
    for (const warning of warnings) this.log.warn(formatDiagnostic(warning));
    if (dropped) this.log.info(`Set uid to user ${dropped}`);
    else if (process.getuid?.() === 0) {
      this.log.critical(
        'Supervisor is running as root.  Privileges were not dropped because no user is specified in the config file.  ' +
          'If you intend to run as root, you can set user=root in the config file to avoid this message.',
      );
    }
    this.registry = ChildRegistry.open(config.fleet.stateDir, config.file);
    await this.registry.recover(this.log);
    this.spawner = new NativeSpawner();
    try {
      this.link = this.openLink(config);
      await this.boot(config);
    } catch (err) {
      await this.link?.close();
      this.spawner.close();
      this.registry.close();
      this.log.close();
      throw err;
    }
    this.link?.start();
    this.installSignalHandlers();
    this.log.info(`fleet-agent ${VERSION} started with pid ${process.pid}`);
    this.keepAlive = setInterval(() => {}, 2 ** 31 - 1);
    reportToForeground('ready\n');
    await this.supervisor.start();
  }

  /**
   * Everything that depends on the config: the engine (its groups and logs), the control
   * server, then the pidfile, in supervisord's order. If the server cannot be opened (a live
   * agent on the socket: ServerStartError) the engine is closed again and the error thrown.
   */
  private async boot(config: Config): Promise<void> {
    const { childlogdir, identifier, nocleanup } = config.supervisord;
    cleanupAutoLogs(childlogdir, identifier, { nocleanup, logger: this.log });
    this.supervisor = new Supervisor({
      config,
      spawner: this.spawner!,
      logger: this.log,
      events: {
        emit: (event) => {
          this.record(event);
          this.link?.record(event);
        },
      },
    });
    try {
      this.control = await startControlServer({ config, engine: this.supervisor, host: this.controlHost(), logger: this.log });
    } catch (err) {
      await this.supervisor.close();
      throw err;
    }
    this.pidfile = new Pidfile(config.supervisord.pidfile);
    const pidError = this.pidfile.write();
    if (pidError) this.log.critical(pidError);
  }

  /** What the control server may ask of the agent: its state, the config read again, exit and reload. */
  private controlHost(): ControlHost {
    return {
      state: () => (this.stopping ? 'SHUTDOWN' : this.reloading ? 'RESTARTING' : this.supervisor.state),
      loadConfig: () => this.readConfig(),
      activityLogPath: () => this.log.path,
      shutdown: () => void this.shutdown(null),
      restart: () => void this.reload(null),
    };
  }

  /**
   * The controller link for [fleet] controller (null without one). Its spool is opened now, so
   * every transition from the first autostart on is numbered; it dials once start() is called.
   * Throws CONFIG_INVALID when the settings cannot be served (mutual TLS without a
   * certificate in state_dir or a join_token to get one).
   */
  private openLink(config: Config): ControllerLink | null {
    const { fleet } = config;
    if (fleet.controller === null) return null;
    return ControllerLink.open({
      fleet,
      spoolDir: join(fleet.stateDir, `spool-${stateKey(config.file)}`),
      host: {
        engine: () => this.supervisor,
        state: () => this.controlHost().state(),
        loadConfig: () => this.readConfig(),
      },
      logger: this.currentLog,
      instanceId: this.instanceId,
      startedMs: this.startedMs,
    });
  }

  /** The activity log of the moment (a reload opens a new one), for what outlives a reload. */
  private readonly currentLog: Logger = {
    log: (level, message) => this.log.log(level, message),
    critical: (message) => this.log.critical(message),
    error: (message) => this.log.error(message),
    warn: (message) => this.log.warn(message),
    info: (message) => this.log.info(message),
    debug: (message) => this.log.debug(message),
    trace: (message) => this.log.trace(message),
    blather: (message) => this.log.blather(message),
  };

  /**
   * After a reload: the same [fleet] settings keep the link (the controller gets a new
   * snapshot); changed ones replace it. A link that cannot be opened is logged and the agent
   * goes on standalone.
   */
  private async relink(previous: Config, next: Config): Promise<void> {
    if (JSON.stringify(previous.fleet) === JSON.stringify(next.fleet) && previous.file === next.file) {
      this.link?.engineReplaced();
      return;
    }
    await this.link?.close();
    this.link = null;
    try {
      this.link = this.openLink(next);
      this.link?.start();
    } catch (err) {
      this.log.critical(`the controller link was not reopened: ${message(err)}`);
    }
  }

  private openLog(config: Config): void {
    this.log = openActivityLog(config.supervisord);
  }

  /** Keeps the child registry in step with the engine, so a SIGKILLed agent's children are found. */
  private record(event: EngineEvent): void {
    if (event.type === 'spawned') {
      const p = this.supervisor.getProcessConfig({ group: event.group, name: event.name });
      this.registry.recordSpawn({
        pid: event.pid,
        name: formatNamespec(event.group, event.name),
        stopsignal: p.stopsignal,
        stopwaitsecs: p.stopwaitsecs,
        stopasgroup: p.stopasgroup,
        killasgroup: p.killasgroup,
      });
    } else if (event.type === 'exited') {
      this.registry.recordExit(event.pid);
    }
  }

  /** [supervisord] user=: drop to that user before any file is created. Returns the user name when it switched. */
  private dropPrivileges(user: string | null): string | null {
    if (user === null) return null;
    const credentials = resolveUser(user);
    if (!credentials) return null;
    // Only reachable as root on POSIX (resolveUser refuses otherwise), where these exist.
    process.setgroups!(credentials.groups);
    process.setgid!(credentials.gid);
    process.setuid!(credentials.uid);
    return user;
  }

  private installSignalHandlers(): void {
    for (const signal of EXIT_SIGNALS) process.on(signal, () => void this.shutdown(signal));
    process.on('SIGHUP', () => void this.reload('SIGHUP'));
    process.on('SIGUSR2', () => this.reopenLogs());
  }

  /** SIGUSR2: reopen every log. A file that cannot be reopened is logged; the old one stays in use. */
  private reopenLogs(): void {
    this.log.info('received SIGUSR2 indicating log reopen request');
    try {
      this.log.reopen();
    } catch (err) {
      this.log.error(`could not reopen the activity log: ${message(err)}`);
    }
    for (const failure of this.supervisor.reopenLogs()) this.log.error(failure);
  }

  /** SIGTERM, SIGINT, SIGQUIT, or the Shutdown RPC (signal null: supervisord logs nothing then). */
  private async shutdown(signal: string | null): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (signal) this.log.info(`received ${signal} indicating exit request`);
    let code = 0;
    try {
      await this.reloading?.catch(() => {});
      await this.supervisor.shutdown();
      await this.supervisor.close();
      await this.link?.close();
      await this.control?.close();
      this.pidfile.remove();
      this.log.info('exiting');
    } catch (err) {
      code = 1;
      this.log.critical(`shutdown failed: ${message(err)}`);
    } finally {
      this.teardown(code);
    }
  }

  /** The last step of every exit path: releases what lives as long as the process. Idempotent. */
  private teardown(code: number): void {
    if (this.tornDown) return;
    this.tornDown = true;
    this.stopping = true;
    void this.link?.close();
    this.spawner?.close();
    this.registry.close();
    this.log.close();
    for (const s of [...EXIT_SIGNALS, 'SIGHUP', 'SIGUSR2'] as const) process.removeAllListeners(s);
    clearInterval(this.keepAlive);
    this.resolveFinished(code);
  }

  /**
   * SIGHUP (or the restart RPC, signal null): stop every program, read the config again and
   * start over in the same process, as supervisord does; the control server is closed and
   * opened again with the new config. Unlike supervisord, a config that no longer parses is
   * logged and the running configuration stays (supervisord would exit).
   */
  private async reload(signal: string | null): Promise<void> {
    if (this.stopping || this.reloading) return;
    if (signal) this.log.info(`received ${signal} indicating restart request`);
    let result: ConfigResult;
    try {
      result = this.readConfig();
    } catch (err) {
      this.log.error(`reload refused: ${message(err)}`);
      return;
    }
    if (!result.ok) {
      for (const e of result.errors) this.log.error(`reload refused: ${formatDiagnostic(e)}`);
      this.log.error('the configuration was not reloaded; the running configuration stays');
      return;
    }
    this.reloading = (async () => {
      await this.supervisor.shutdown({ restarting: true });
      await this.supervisor.close();
      await this.control?.close();
      this.control = null;
      this.pidfile.remove();
      const old = this.log;
      this.openLog(result.config);
      old.close();
      for (const w of result.warnings) this.log.warn(formatDiagnostic(w));
      await this.boot(result.config);
      await this.relink(this.config, result.config);
      this.config = result.config;
      this.log.info(`reloaded ${result.config.file}`);
    })();
    try {
      await this.reloading;
      this.reloading = null;
      if (!this.stopping) await this.supervisor.start();
    } catch (err) {
      // The old engine is gone and the new one could not be built: exit rather than sit idle.
      this.reloading = null;
      this.log.critical(`reload failed, exiting: ${message(err)}`);
      this.teardown(1);
    }
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
