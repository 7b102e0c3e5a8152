/**
 * Dashboard sessions: a browser signs in once with an API token and then carries a random
 * session cookie instead. The store keeps only the cookie value's sha256; a session lives at
 * most `ttlMs` and never longer than its token, and dies with it (revoked or expired). Its CSRF
 * token is derived from the cookie value (tokens.ts), so it needs no storage either.
 *
 * Signing in goes through AccessControl.authenticate: a bad token counts against the origin as
 * on gRPC. A join token cannot sign in (it only enrolls agents).
 */
import { createHash } from 'node:crypto';
import { FleetError } from '../../common/errors.js';
import type { StoredToken, TokenStore } from '../store/store.js';
import type { AccessControl } from './access-control.js';
import { csrfTokenOf, generateSessionSecret } from './tokens.js';

/** How long a session lives at most (12 hours). */
export const DEFAULT_SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export interface SessionsOptions {
  tokens: TokenStore;
  access: AccessControl;
  ttlMs?: number;
  now?: () => number;
}

export interface Session {
  /** The cookie value: never stored, never logged. */
  secret: string;
  /** What every mutating request of the session must carry. */
  csrf: string;
  token: StoredToken;
  /** Epoch ms. */
  expiresAt: number;
}

export class Sessions {
  private readonly tokens: TokenStore;
  private readonly access: AccessControl;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: SessionsOptions) {
    this.tokens = options.tokens;
    this.access = options.access;
    this.ttlMs = options.ttlMs ?? DEFAULT_SESSION_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  /** A new session for the token `text`; UNAUTHENTICATED, RATE_LIMITED, or PERMISSION_DENIED for a join token. */
  async signIn(text: string, origin: string): Promise<Session> {
    const token = await this.access.authenticate(text, origin);
    if (token.role === 'join') throw new FleetError('PERMISSION_DENIED', `token ${token.name} (${token.id}) is a join token: it only enrolls agents and cannot sign in`);
    const now = this.now();
    await this.tokens.pruneSessions(now);
    const secret = generateSessionSecret();
    const expiresAt = Math.min(now + this.ttlMs, token.expiresAt ?? Infinity);
    await this.tokens.addSession(hashOf(secret), { tokenId: token.id, createdAt: now, expiresAt });
    return { secret, csrf: csrfTokenOf(secret), token, expiresAt };
  }

  /** The session of a cookie value, while it and its token are valid; null otherwise. */
  async resolve(secret: string): Promise<Session | null> {
    if (!/^fvs_[A-Za-z0-9_-]{43}$/.test(secret)) return null;
    const session = await this.tokens.getSession(hashOf(secret));
    if (session === null || session.expiresAt <= this.now()) return null;
    const found = await this.tokens.getToken(session.tokenId);
    if (found === null || !this.access.isValid(found.token)) return null;
    return { secret, csrf: csrfTokenOf(secret), token: found.token, expiresAt: session.expiresAt };
  }

  /** Ends the session (nothing happens for an unknown one). */
  async signOut(secret: string): Promise<void> {
    await this.tokens.deleteSession(hashOf(secret));
  }
}

function hashOf(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}
