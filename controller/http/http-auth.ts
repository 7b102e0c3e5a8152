/**
 * Who an HTTP request comes from, and the checks a browser's request must pass.
 *
 * Secure mode: a request is signed in by a session cookie (`fleet_session`: HttpOnly,
 * SameSite=Strict, Secure over https; made by POST /sign-in with a token) or carries
 * `authorization: Bearer <token>` (scripts). Its token's role must meet the role table's entry
 * for the RPC the route stands for (controller/auth/rpc-roles.ts), and its scope limits what
 * the core shows and touches, as on gRPC.
 *
 * Every mutating request (POST) must come from this server's own pages: a browser's Origin (or
 * Referer) must be this server's origin; a request that names none must be a script's (a Bearer
 * token, or a JSON body, which no cross-site form can send). A session's mutating request must
 * also carry its CSRF token (`x-csrf-token` header, or the `csrf_token` field of a form).
 *
 * Insecure mode: everyone is anonymous, but only requests addressed to a loopback name are
 * served, so a web page cannot reach the development controller by DNS rebinding.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { FleetError } from '../../common/errors.js';
import type { AccessControl } from '../auth/access-control.js';
import type { Session, Sessions } from '../auth/sessions.js';
import { csrfMatches } from '../auth/tokens.js';
import { anonymousCaller, type Caller } from '../core/caller.js';
import { claimedOrigin, isHttps, ownOrigin, parseCookies } from './http-io.js';

export const SESSION_COOKIE = 'fleet_session';

export interface SecureHttp {
  access: AccessControl;
  sessions: Sessions;
}

export interface RequestCaller {
  caller: Caller;
  /** The session the request is signed in with; null for Bearer tokens and insecure mode. */
  session: Session | null;
}

export interface AdmitOptions {
  /** A POST: the origin (and, for sessions, CSRF) checks apply. */
  mutating: boolean;
  /** The CSRF token of a form's body (`csrf_token`), when the request is a form. */
  formCsrf?: string;
  /** The addresses the request names, for the audit row of a refusal. */
  addresses?: readonly string[];
}

export class HttpAuth {
  constructor(private readonly secure: SecureHttp | null) {}

  get secureMode(): boolean {
    return this.secure !== null;
  }

  /** Refuses (PERMISSION_DENIED) what a request may never do, whatever its credentials: in insecure mode, a Host that is not loopback. */
  checkHost(req: IncomingMessage): void {
    if (this.secure !== null) return;
    const host = hostnameOf(req.headers.host ?? '');
    const loopback = host === 'localhost' || (isIP(host) === 4 && host.startsWith('127.')) || host === '::1';
    if (!loopback) {
      throw new FleetError('PERMISSION_DENIED', `this development controller (--insecure) answers requests to a loopback address only (127.0.0.1, localhost, [::1]), not to ${JSON.stringify(req.headers.host ?? '')}`);
    }
  }

  /** The caller of a request to the route standing for the gRPC `rpcPath`, or a FleetError (UNAUTHENTICATED, PERMISSION_DENIED, RATE_LIMITED). */
  async admit(req: IncomingMessage, rpcPath: string, options: AdmitOptions): Promise<RequestCaller> {
    const origin = `${req.socket.remoteAddress ?? ''}:${req.socket.remotePort ?? ''}`;
    const bearer = bearerOf(req);
    if (options.mutating) checkOrigin(req, bearer !== null);
    if (this.secure === null) return { caller: anonymousCaller(origin), session: null };
    const { access } = this.secure;
    const ip = req.socket.remoteAddress ?? '';
    if (bearer !== null) {
      const token = await access.authenticate(bearer, ip);
      return { caller: await access.authorize(token, rpcPath, origin, options.addresses), session: null };
    }
    const session = await this.sessionOf(req);
    if (session === null) throw new FleetError('UNAUTHENTICATED', 'sign in first: POST /sign-in with an API token, or send authorization: Bearer <token>');
    if (options.mutating) {
      const given = req.headers['x-csrf-token'] ?? options.formCsrf;
      if (typeof given !== 'string' || !csrfMatches(given, session.secret)) {
        throw new FleetError('PERMISSION_DENIED', "this request needs the session's CSRF token (x-csrf-token header or csrf_token field; GET /api/session gives it)");
      }
    }
    return { caller: await access.authorize(session.token, rpcPath, origin, options.addresses), session };
  }

  /** The valid session the request's cookie names, or null. */
  async sessionOf(req: IncomingMessage): Promise<Session | null> {
    if (this.secure === null) return null;
    const secret = parseCookies(req).get(SESSION_COOKIE);
    return secret === undefined ? null : this.secure.sessions.resolve(secret);
  }

  /** POST /sign-in: a session for the token in the body; the caller answers with what it gets. */
  async signIn(req: IncomingMessage, token: unknown): Promise<{ session: Session; cookie: string }> {
    checkOrigin(req, false);
    if (this.secure === null) throw new FleetError('INCORRECT_PARAMETERS', 'this controller runs with --insecure: there is no sign-in, everyone is anonymous');
    if (typeof token !== 'string' || token === '') throw new FleetError('UNAUTHENTICATED', 'give the API token (field token) to sign in');
    const session = await this.secure.sessions.signIn(token.trim(), req.socket.remoteAddress ?? '');
    return { session, cookie: sessionCookie(req, session.secret, Math.max(0, Math.floor((session.expiresAt - Date.now()) / 1000))) };
  }

  /** POST /sign-out: ends the request's session (CSRF checked); answers with the cookie that clears it. */
  async signOut(req: IncomingMessage, formCsrf: string | undefined): Promise<string> {
    if (this.secure === null) throw new FleetError('INCORRECT_PARAMETERS', 'this controller runs with --insecure: there is nothing to sign out of');
    checkOrigin(req, false);
    const session = await this.sessionOf(req);
    if (session !== null) {
      const given = req.headers['x-csrf-token'] ?? formCsrf;
      if (typeof given !== 'string' || !csrfMatches(given, session.secret)) throw new FleetError('PERMISSION_DENIED', "signing out needs the session's CSRF token");
      await this.secure.sessions.signOut(session.secret);
    }
    return sessionCookie(req, '', 0);
  }
}

/** The session cookie: HttpOnly, SameSite=Strict, path /, Secure over https; Max-Age 0 clears it. */
function sessionCookie(req: IncomingMessage, value: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${isHttps(req) ? '; Secure' : ''}`;
}

function bearerOf(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (header === undefined) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : '';
}

/**
 * A mutating request from a browser must name this server as its origin; one that names none
 * must be a script's: a Bearer token, or a JSON body (which a cross-site form cannot send).
 */
function checkOrigin(req: IncomingMessage, bearer: boolean): void {
  const claimed = claimedOrigin(req);
  if (req.headers['sec-fetch-site'] === 'cross-site') throw new FleetError('PERMISSION_DENIED', 'a cross-site request may not change anything here');
  if (claimed === null) {
    const json = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';
    if (bearer || json) return;
    throw new FleetError('PERMISSION_DENIED', 'a form must come from this server\'s own page (no Origin or Referer was sent)');
  }
  if (claimed !== ownOrigin(req)) throw new FleetError('PERMISSION_DENIED', `a request from ${claimed} may not change anything here (only ${ownOrigin(req)} may)`);
}

function hostnameOf(hostHeader: string): string {
  const bracket = /^\[([^\]]+)\](?::\d+)?$/.exec(hostHeader);
  if (bracket) return bracket[1]!.toLowerCase();
  return hostHeader.replace(/:\d+$/, '').toLowerCase();
}
