/**
 * One fleetctl run's link to an agent: the server URL and credentials (which `open` and the
 * shell's login prompt change), the client, connected lazily so that `help` never loads gRPC,
 * and supervisorctl's `upcheck`, the connection check most commands make before they act.
 */
import { existsSync } from 'node:fs';
import { ErrorCodes, FleetError, isFleetError } from '../common/errors.js';
import type { AgentClient } from './client/agent-client.js';
import { Exit } from './exit-codes.js';
import type { Writer } from './io.js';
import type { OutputFormat } from './options.js';

/** The API version supervisorctl 4.x expects (rpcinterface.API_VERSION). */
export const API_VERSION = '3.0';

export interface Credentials {
  username: string;
  password: string;
}

/** Opens a client for a URL; the default loads the gRPC adapter on first use. */
export type ConnectFn = (url: string, auth?: Credentials) => AgentClient | Promise<AgentClient>;

export interface SessionOptions {
  serverurl: string;
  username: string | null;
  password: string | null;
  interactive: boolean;
  output: OutputFormat;
  connect?: ConnectFn;
}

const defaultConnect: ConnectFn = async (url, auth) => {
  const { connectAgent } = await import('./client/grpc-agent-client.js');
  return connectAgent(url, auth);
};

export class Session {
  serverurl: string;
  username: string | null;
  password: string | null;
  readonly interactive: boolean;
  /** The -o given before the action; a command's own -o wins. */
  readonly output: OutputFormat;
  private readonly connect: ConnectFn;
  private current: AgentClient | null = null;
  /** Set once the connection check passed during the current command (restart checks once, not thrice). */
  private checked = false;

  constructor(options: SessionOptions) {
    this.serverurl = options.serverurl;
    this.username = options.username;
    this.password = options.password;
    this.interactive = options.interactive;
    this.output = options.output;
    this.connect = options.connect ?? defaultConnect;
  }

  /** The client for the current URL and credentials, connected on first use. */
  async client(): Promise<AgentClient> {
    if (!this.current) {
      const auth = this.username !== null || this.password !== null
        ? { username: this.username ?? '', password: this.password ?? '' }
        : undefined;
      this.current = await this.connect(this.serverurl, auth);
    }
    return this.current;
  }

  /** Points the session at another agent (`open`), or at the same one with new credentials. */
  reconnect(changes: { serverurl?: string; username?: string; password?: string }): void {
    if (changes.serverurl !== undefined) this.serverurl = changes.serverurl;
    if (changes.username !== undefined) this.username = changes.username;
    if (changes.password !== undefined) this.password = changes.password;
    this.close();
  }

  /** Called before each command line: the connection is checked again. */
  beginCommand(): void {
    this.checked = false;
  }

  /**
   * supervisorctl's upcheck: asks the agent for its API version. Returns null when the agent
   * answered with the expected version; otherwise prints what went wrong and returns the exit
   * code (4 refused, 7 no socket file, 5 API mismatch). Faults other than these propagate.
   */
  async upcheck(io: Writer, signal?: AbortSignal): Promise<number | null> {
    if (this.checked) return null;
    try {
      const state = await (await this.client()).getState(signal);
      if (state.apiVersion !== API_VERSION) {
        io.out(
          `Sorry, this version of supervisorctl expects to talk to a server with API version ${API_VERSION}, ` +
            `but the remote version is ${state.apiVersion}.\n`,
        );
        return Exit.NOT_INSTALLED;
      }
    } catch (err) {
      if (isFleetError(err, 'HOST_UNREACHABLE')) {
        const why = this.unreachable(err);
        io.out(`${this.serverurl} ${why.text}\n`);
        return why.code;
      }
      if (isFleetError(err, 'UNKNOWN_METHOD')) {
        io.out(
          'Sorry, supervisord responded but did not recognize the supervisor namespace commands that ' +
            'supervisorctl uses to control it.  Please check that the [rpcinterface:supervisor] section is ' +
            'enabled in the configuration file (see sample.conf).\n',
        );
        return Exit.UNIMPLEMENTED_FEATURE;
      }
      throw err;
    }
    this.checked = true;
    return null;
  }

  /**
   * Why the agent cannot be reached, in supervisorctl's words: a unix socket path that does not
   * exist is `no such file` (ENOENT, exit 7); anything else is `refused connection`
   * (ECONNREFUSED, exit 4).
   */
  unreachable(err?: unknown): { text: string; code: number } {
    const errno = err instanceof Error ? (err.cause as { code?: unknown } | undefined)?.code : undefined;
    const path = this.serverurl.startsWith('unix://') ? this.serverurl.slice('unix://'.length) : null;
    const noFile = errno === undefined ? path !== null && !existsSync(path) : errno === 'ENOENT';
    if (noFile) return { text: 'no such file', code: Exit.NOT_RUNNING };
    return { text: 'refused connection', code: Exit.INSUFFICIENT_PRIVILEGES };
  }

  /** Closes the client; the next call connects again. Idempotent. */
  close(): void {
    this.current?.close();
    this.current = null;
    this.checked = false;
  }
}

/**
 * The client contract reports a rejected login as FAILED with this text (agent-client.ts);
 * this is the one place that recognises it.
 */
export function isAuthFailure(err: unknown): err is FleetError {
  return isFleetError(err, 'FAILED') && err.message === 'Server requires authentication';
}

/**
 * A Supervisor fault (what supervisorctl catches as xmlrpclib.Fault): a FleetError with one of
 * Supervisor's fault codes. Transport problems, fleetvisor's own codes and a rejected login are not.
 */
export function isFault(err: unknown): err is FleetError {
  return err instanceof FleetError && ErrorCodes[err.code] < 1000 && !isAuthFailure(err);
}
