import type { ConfigResult } from '../config/types.js';

/** supervisord's states as the control API reports them; anything but RUNNING refuses calls. */
export type AgentMood = 'RUNNING' | 'RESTARTING' | 'SHUTDOWN';

/**
 * What the control server needs from the agent that runs it (agent/daemon/run.ts), kept to an
 * interface so the server never imports the daemon. Every method is called on the event loop,
 * from a call handler.
 */
export interface ControlHost {
  /**
   * The daemon's state: SHUTDOWN from the moment an exit was requested (signal or RPC),
   * RESTARTING during a reload, else RUNNING. Every call checks it (SHUTDOWN_STATE otherwise).
   */
  state(): AgentMood;
  /** Reads the configuration again, as at start: the same file and command-line overrides. */
  loadConfig(): ConfigResult;
  /** The activity log's file (readLog, maintail); null when there is none to read. */
  activityLogPath(): string | null;
  /**
   * Called once the Shutdown RPC has been answered: stop every program and exit, the path of
   * SIGTERM. state() must say SHUTDOWN when this returns; the work goes on asynchronously.
   */
  shutdown(): void;
  /** Called once the restart RPC has been answered: the path of SIGHUP (reload in place). */
  restart(): void;
}
