/**
 * The controller's HTTP side on --http, all from the same core as the gRPC services:
 *
 *   GET  /healthz          liveness, for anyone
 *   GET  /                 the hosts page (in secure mode without a session: the sign-in form)
 *   GET  /api/hosts        hosts with liveness and counts                      (ListHosts: viewer)
 *   GET  /api/processes    the current view of every process in scope          (ListProcesses: viewer)
 *   POST /api/control      start, stop, restart or signal, JSON               (Control: operator)
 *   GET  /api/session      who is signed in, and the session's CSRF token
 *   POST /sign-in          an API token (JSON or form) for a session cookie
 *   POST /sign-out         ends the session (CSRF)
 *
 * Each /api route stands for a FleetService RPC and needs what the role table says for it; a
 * token's scope limits what it shows and touches (http-auth.ts has the rules for sessions,
 * CSRF and origins). Served over https when given a key and certificate (then the session
 * cookie is Secure).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { HostScope } from '../../common/address.js';
import { FleetError } from '../../common/errors.js';
import { VERSION } from '../../common/version.js';
import type { ControllerCore } from '../core/controller-core.js';
import type { ControlRequest } from '../core/fan-out.js';
import { formatListenAddress, type ListenAddress } from '../listen-address.js';
import type { ControllerLog } from '../log.js';
import { renderHostsPage } from './hosts-page.js';
import { HttpAuth, type SecureHttp } from './http-auth.js';
import { readFields, send, sendError, sendJson } from './http-io.js';
import { renderSignInPage } from './sign-in-page.js';

export interface HttpServerOptions {
  core: ControllerCore;
  address: ListenAddress;
  log: ControllerLog;
  /** Secure mode: tokens, sessions and roles. Absent: insecure mode, everyone anonymous (loopback Host only). */
  auth?: SecureHttp;
  /** Serve https with this key and certificate (PEM); plain http when absent. */
  tls?: { key: string; cert: string };
}

export interface ControllerHttpServer extends AsyncDisposable {
  /** `http://127.0.0.1:7401`, with the port actually bound. */
  readonly url: string;
  /** Stops listening and ends open connections. Idempotent. */
  close(): Promise<void>;
}

const RPC = {
  listHosts: '/fleet.v1.FleetService/ListHosts',
  listProcesses: '/fleet.v1.FleetService/ListProcesses',
  control: '/fleet.v1.FleetService/Control',
} as const;

export async function startHttpServer(options: HttpServerOptions): Promise<ControllerHttpServer> {
  const auth = new HttpAuth(options.auth ?? null);
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    route(options.core, auth, req, res).catch((err: unknown) => {
      if (!(err instanceof FleetError)) options.log.error(`HTTP ${req.method} ${req.url}: ${(err as Error).message}`);
      if (!res.headersSent) sendError(res, err);
      else res.destroy();
    });
  };
  const server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handler) : createServer(handler);
  server.listen(options.address.port, options.address.host === '' ? undefined : options.address.host);
  try {
    await once(server, 'listening');
  } catch (err) {
    throw new Error(`cannot listen for HTTP on ${formatListenAddress(options.address)}: ${(err as Error).message}`);
  }
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return new RunningHttpServer(server, `${options.tls ? 'https' : 'http'}://${host}:${bound.port}`);
}

async function route(core: ControllerCore, auth: HttpAuth, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://controller').pathname;
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  const only = (allowed: 'GET' | 'POST'): boolean => {
    if (method === allowed) return true;
    send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { allow: allowed === 'GET' ? 'GET, HEAD' : 'POST' });
    return false;
  };
  if (path === '/healthz') {
    if (only('GET')) sendJson(res, 200, { status: 'ok', version: VERSION });
    return;
  }
  auth.checkHost(req);
  switch (path) {
    case '/': {
      if (!only('GET')) return;
      if (auth.secureMode && req.headers.authorization === undefined && (await auth.sessionOf(req)) === null) {
        return send(res, 200, 'text/html; charset=utf-8', renderSignInPage({ version: VERSION }));
      }
      const { caller, session } = await auth.admit(req, RPC.listProcesses, { mutating: false });
      const listing = core.listProcesses(caller, { kind: 'all' }, []);
      const page = renderHostsPage({
        hosts: core.listHosts(caller),
        processes: listing.processes,
        now: Date.now(),
        version: VERSION,
        session: session ? { name: session.token.name, role: session.token.role, csrf: session.csrf } : undefined,
      });
      return send(res, 200, 'text/html; charset=utf-8', page);
    }
    case '/api/hosts': {
      if (!only('GET')) return;
      const { caller } = await auth.admit(req, RPC.listHosts, { mutating: false });
      return sendJson(res, 200, { hosts: core.listHosts(caller) });
    }
    case '/api/processes': {
      if (!only('GET')) return;
      const { caller } = await auth.admit(req, RPC.listProcesses, { mutating: false });
      const listing = core.listProcesses(caller, { kind: 'all' }, []);
      return sendJson(res, 200, listing);
    }
    case '/api/control': {
      if (!only('POST')) return;
      const { fields } = await readFields(req);
      const named = Array.isArray(fields.addresses) ? fields.addresses.filter((a): a is string => typeof a === 'string') : [];
      const { caller } = await auth.admit(req, RPC.control, { mutating: true, addresses: named });
      const request = controlRequest(fields);
      const results: unknown[] = [];
      const errors: unknown[] = [];
      const abort = new AbortController();
      res.once('close', () => abort.abort());
      for await (const outcome of core.control(caller, request, abort.signal)) {
        if (outcome.kind === 'host-error') errors.push({ host: outcome.error.host, fault: outcome.error.code, message: outcome.error.message });
        else for (const r of outcome.results) results.push({ host: outcome.host, group: r.group, name: r.name, fault: r.code === 'SUCCESS' ? null : r.code, description: r.description });
      }
      return sendJson(res, 200, { results, errors });
    }
    case '/api/session': {
      if (!only('GET')) return;
      if (!auth.secureMode) return sendJson(res, 200, { mode: 'insecure', who: 'anonymous' });
      const session = await auth.sessionOf(req);
      if (session === null) throw new FleetError('UNAUTHENTICATED', 'not signed in: POST /sign-in with an API token');
      const t = session.token;
      return sendJson(res, 200, { name: t.name, token_id: t.id, role: t.role, scopes: t.scopes, csrf_token: session.csrf, expires_ms: session.expiresAt });
    }
    case '/sign-in': {
      if (!only('POST')) return;
      const { fields, form } = await readFields(req);
      try {
        const { session, cookie } = await auth.signIn(req, fields.token);
        if (form) return send(res, 303, 'text/plain; charset=utf-8', 'signed in\n', { location: '/', 'set-cookie': cookie });
        const t = session.token;
        return sendJson(res, 200, { name: t.name, token_id: t.id, role: t.role, scopes: t.scopes, csrf_token: session.csrf, expires_ms: session.expiresAt }, { 'set-cookie': cookie });
      } catch (err) {
        if (form && err instanceof FleetError && err.code !== 'PERMISSION_DENIED') {
          return send(res, err.code === 'RATE_LIMITED' ? 429 : 401, 'text/html; charset=utf-8', renderSignInPage({ version: VERSION, problem: err.message }));
        }
        throw err;
      }
    }
    case '/sign-out': {
      if (!only('POST')) return;
      const { fields, form } = await readFields(req);
      const cookie = await auth.signOut(req, typeof fields.csrf_token === 'string' ? fields.csrf_token : undefined);
      if (form) return send(res, 303, 'text/plain; charset=utf-8', 'signed out\n', { location: '/', 'set-cookie': cookie });
      return sendJson(res, 200, { signed_out: true }, { 'set-cookie': cookie });
    }
    default:
      return send(res, 404, 'text/plain; charset=utf-8', `no such page: ${path}\n`);
  }
}

/** The body of POST /api/control: {"action", "addresses", "all_hosts" | "host", "signal", "wait"}. */
function controlRequest(fields: Record<string, unknown>): ControlRequest {
  const action = fields.action;
  if (action !== 'start' && action !== 'stop' && action !== 'restart' && action !== 'signal') {
    throw new FleetError('INCORRECT_PARAMETERS', 'action must be start, stop, restart or signal');
  }
  const addresses = fields.addresses ?? [];
  if (!Array.isArray(addresses) || !addresses.every((a): a is string => typeof a === 'string')) throw new FleetError('INCORRECT_PARAMETERS', 'addresses must be an array of strings');
  const scope: HostScope = typeof fields.host === 'string' ? { kind: 'host', host: fields.host } : { kind: 'all' };
  return { scope, addresses, action, signal: typeof fields.signal === 'string' ? fields.signal : undefined, wait: fields.wait === true };
}

class RunningHttpServer implements ControllerHttpServer {
  private closed: Promise<void> | null = null;

  constructor(
    private readonly server: Server | HttpsServer,
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
