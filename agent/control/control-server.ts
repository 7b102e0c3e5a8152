/**
 * The agent's local control server: AgentControlService on the unix socket of
 * [unix_http_server] and on the port of [inet_http_server], as supervisord serves XML-RPC on
 * them (http.py make_http_servers). Each section is its own gRPC server with its own
 * credentials, opened in supervisord's order (inet, then unix) with its activity-log lines.
 */
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { FleetError } from '../../common/errors.js';
import { AgentControlServiceDefinition } from '../../proto/gen/fleet/v1/agent_control.js';
import { grpcServiceDefinition } from '../../proto/grpc-js.js';
import type { Config } from '../config/types.js';
import type { Supervisor } from '../engine/supervisor.js';
import type { Logger } from '../logs/logger.js';
import { createAuthorizer, type Credentials } from './auth.js';
import type { ControlHost } from './control-host.js';
import { createControlService } from './control-service.js';
import type { CallGuard } from './rpc-call.js';
import { ADDRESS_IN_USE, placeUnixSocket, ServerStartError, type PlacedSocket } from './unix-socket.js';

export { ServerStartError } from './unix-socket.js';

export interface ControlServerOptions {
  /** The servers' settings, the identifier, and the groups `avail` starts from. */
  config: Config;
  engine: Supervisor;
  host: ControlHost;
  /** The activity log: `RPC interface 'supervisor' initialized`, the no-authentication warning. */
  logger: Logger;
  /** Where `Unlinking stale socket <path>` goes; process.stderr by default. */
  stderr?: { write(text: string): unknown };
  /** How often a log follow checks its file (100 ms by default). */
  followIntervalMs?: number;
  /** How long close() lets calls in progress finish before cutting them off (2 s by default). */
  closeGraceMs?: number;
}

export interface ControlServer extends AsyncDisposable {
  /** Where it listens, as clients write it: `unix:///run/x.sock`, `http://127.0.0.1:9001` (the port actually bound). */
  readonly urls: readonly string[];
  /**
   * Ends every open log follow (SHUTDOWN_STATE), lets calls in progress finish (up to the
   * grace period), closes the listeners and removes the socket file if it is still ours.
   * Idempotent: later calls return the same promise.
   */
  close(): Promise<void>;
}

/** Large enough for sendStdin payloads; replies (log reads) are not limited. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
const SERVER_OPTIONS = {
  'grpc.max_receive_message_length': MAX_REQUEST_BYTES,
  'grpc.max_send_message_length': -1,
};

interface Listener {
  server: Server;
  url: string;
  socket: PlacedSocket | null;
}

function credentialsOf(section: { username: string | null; password: string | null }): Credentials | null {
  return section.username !== null && section.password !== null ? { username: section.username, password: section.password } : null;
}

function bind(server: Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (err, port) => {
      if (!err) return resolve(port);
      if (/EADDRINUSE/.test(err.message)) reject(new ServerStartError(ADDRESS_IN_USE, { cause: err }));
      else reject(new ServerStartError(`Cannot open an HTTP server: ${err.message}`, { cause: err }));
    });
  });
}

/**
 * Opens every configured server. Throws ServerStartError (after closing whatever it opened)
 * when a port or socket is taken by a live program, or the socket's owner cannot be set.
 * With neither section configured it listens nowhere, as supervisord.
 */
export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const { config, host, logger } = options;
  const closing = new AbortController();
  const listeners: Listener[] = [];

  const open = (section: string, credentials: Credentials | null): Server => {
    const server = new Server(SERVER_OPTIONS);
    const guard: CallGuard = {
      authorize: createAuthorizer(credentials),
      checkState() {
        if (host.state() !== 'RUNNING') throw new FleetError('SHUTDOWN_STATE', '');
      },
      closing: closing.signal,
    };
    server.addService(
      grpcServiceDefinition(AgentControlServiceDefinition),
      createControlService({ engine: options.engine, host, config, guard, followIntervalMs: options.followIntervalMs }),
    );
    logger.info(`RPC interface 'supervisor' initialized`);
    if (credentials === null) logger.critical(`Server '${section}' running without any HTTP authentication checking`);
    return server;
  };

  try {
    const inet = config.inetHttpServer;
    if (inet) {
      const server = open('inet_http_server', credentialsOf(inet));
      listeners.push({ server, url: '', socket: null });
      const host = inet.host || '0.0.0.0';
      const port = await bind(server, `${host.includes(':') ? `[${host}]` : host}:${inet.port}`);
      listeners[listeners.length - 1]!.url = `http://${inet.host || 'localhost'}:${port}`;
    }
    const unix = config.unixHttpServer;
    if (unix) {
      const server = open('unix_http_server', credentialsOf(unix));
      const listener: Listener = { server, url: `unix://${unix.file}`, socket: null };
      listeners.push(listener);
      listener.socket = await placeUnixSocket(
        { path: unix.file, mode: unix.chmod, owner: unix.chown },
        async (temp) => void (await bind(server, `unix://${temp}`)),
        options.stderr ?? process.stderr,
      );
    }
  } catch (err) {
    for (const listener of listeners) listener.server.forceShutdown();
    throw err;
  }
  return new RunningControlServer(listeners, closing, options.closeGraceMs ?? 2000);
}

class RunningControlServer implements ControlServer {
  readonly urls: readonly string[];
  private closed: Promise<void> | null = null;

  constructor(
    private readonly listeners: readonly Listener[],
    private readonly closing: AbortController,
    private readonly graceMs: number,
  ) {
    this.urls = listeners.map((l) => l.url);
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing.abort();
      await Promise.all(this.listeners.map((l) => shutdown(l.server, this.graceMs)));
      for (const listener of this.listeners) listener.socket?.remove();
    })();
    return this.closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** tryShutdown, and forceShutdown if calls are still running after `graceMs`. */
function shutdown(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.forceShutdown(), graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
