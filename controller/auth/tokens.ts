/**
 * API tokens as text: `fvt_<id>_<secret>`, where the id (16 hex digits) names the token in
 * lists, audit rows and `token revoke`, and the secret (32 random bytes, base64url) is what
 * proves it. Only sha256(secret) is stored; the secret is random enough that a plain hash is the
 * right tool (no password stretching), and hashes are compared with timingSafeEqual.
 *
 * Dashboard sessions use the same idea: a random cookie value whose sha256 is the stored key,
 * and a CSRF token derived from the cookie value, so neither is kept in clear anywhere.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type TokenRole = 'viewer' | 'operator' | 'admin' | 'join';
export const TOKEN_ROLES: readonly TokenRole[] = ['viewer', 'operator', 'admin', 'join'];

export function isTokenRole(text: string): text is TokenRole {
  return (TOKEN_ROLES as readonly string[]).includes(text);
}

const TOKEN_PATTERN = /^fvt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface NewTokenText {
  /** The whole token, shown once. */
  text: string;
  id: string;
  secretHash: Buffer;
}

/** A fresh token: its text (for the user, once), its id and the hash to store. */
export function generateToken(): NewTokenText {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { text: `fvt_${id}_${secret}`, id, secretHash: hashSecret(secret) };
}

/** The id and secret of a token's text, or null when it is not one of ours. */
export function parseToken(text: string): { id: string; secret: string } | null {
  const m = TOKEN_PATTERN.exec(text);
  return m ? { id: m[1]!, secret: m[2]! } : null;
}

export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Whether `secret` hashes to `stored`, in time that does not depend on where they differ. */
export function secretMatches(secret: string, stored: Uint8Array): boolean {
  const hash = hashSecret(secret);
  return stored.length === hash.length && timingSafeEqual(hash, stored);
}

/** A new session's cookie value (`fvs_...`); its sha256 is the stored key. */
export function generateSessionSecret(): string {
  return `fvs_${randomBytes(32).toString('base64url')}`;
}

/** The CSRF token of a session: derived from its cookie value, so it is never stored. */
export function csrfTokenOf(sessionSecret: string): string {
  return createHash('sha256').update(`csrf\0${sessionSecret}`, 'utf8').digest('base64url');
}

/** Compares a CSRF token from a request with the session's, in constant time. */
export function csrfMatches(given: string, sessionSecret: string): boolean {
  const expected = Buffer.from(csrfTokenOf(sessionSecret));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
