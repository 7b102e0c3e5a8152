/**
 * The controller's HTTP side on --http: `/healthz`, the hosts page at `/`, and `/api/hosts`
 * (JSON), all from the same core as the gRPC services. Each request gets a Caller from
 * `callerOf`; in insecure mode that is `anonymous` for everyone. Token sessions for the
 * dashboard (HttpOnly, SameSite=Strict, CSRF) plug in there with the security issue.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { VERSION } from '../../common/version.js';
import { anonymousCaller, type Caller } from '../core/caller.js';
import type { ControllerCore } from '../core/controller-core.js';
import { formatListenAddress, type ListenAddress } from '../listen-address.js';
import type { ControllerLog } from '../log.js';
import { renderHostsPage } from './hosts-page.js';

export interface HttpServerOptions {
  core: ControllerCore;
  address: ListenAddress;
  log: ControllerLog;
  /** Who is asking; anonymous (insecure mode) by default. */
  callerOf?: (request: IncomingMessage) => Caller;
}

export interface ControllerHttpServer extends AsyncDisposable {
  /** `http://127.0.0.1:7401`, with the port actually bound. */
  readonly url: string;
  /** Stops listening and ends open connections. Idempotent. */
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export async function startHttpServer(options: HttpServerOptions): Promise<ControllerHttpServer> {
  const callerOf = options.callerOf ?? ((req: IncomingMessage) => anonymousCaller(`${req.socket.remoteAddress ?? ''}:${req.socket.remotePort ?? ''}`));
  const server = createServer((req, res) => {
    try {
      route(options.core, callerOf, req, res);
    } catch (err) {
      options.log.error(`HTTP ${req.method} ${req.url}: ${(err as Error).message}`);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    }
  });
  server.listen(options.address.port, options.address.host === '' ? undefined : options.address.host);
  try {
    await once(server, 'listening');
  } catch (err) {
    throw new Error(`cannot listen for HTTP on ${formatListenAddress(options.address)}: ${(err as Error).message}`);
  }
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return new RunningHttpServer(server, `http://${host}:${bound.port}`);
}

function route(core: ControllerCore, callerOf: (req: IncomingMessage) => Caller, req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://controller').pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
  }
  switch (path) {
    case '/healthz':
      return send(res, 200, 'application/json', JSON.stringify({ status: 'ok', version: VERSION }) + '\n');
    case '/api/hosts': {
      const hosts = core.listHosts(callerOf(req));
      return send(res, 200, 'application/json', JSON.stringify({ hosts }) + '\n');
    }
    case '/': {
      const caller = callerOf(req);
      const listing = core.listProcesses(caller, { kind: 'all' }, []);
      const page = renderHostsPage({ hosts: core.listHosts(caller), processes: listing.processes, now: Date.now(), version: VERSION });
      return send(res, 200, 'text/html; charset=utf-8', page);
    }
    default:
      return send(res, 404, 'text/plain; charset=utf-8', `no such page: ${path}\n`);
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

class RunningHttpServer implements ControllerHttpServer {
  private closed: Promise<void> | null = null;

  constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
