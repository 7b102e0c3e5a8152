/**
 * supervisord's HTTP Basic authentication on the control API (http.py
 * encrypted_dictionary_authorizer): every call carries `authorization: Basic
 * base64(user:password)` metadata; the configured password is clear text, or `{SHA}` followed by
 * the hex SHA-1 of the password. Comparisons take the same time whatever the input, so the
 * answer's timing says nothing about how much of a guess was right.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';

export interface Credentials {
  username: string;
  /** Clear text, or `{SHA}<hex sha1>`. */
  password: string;
}

/** Checks one call's metadata; always true when no credentials are configured. */
export type Authorizer = (metadata: Metadata) => boolean;

const SHA_PREFIX = '{SHA}';

/** Equal strings, in time that depends only on the lengths of their digests (fixed). */
function sameText(a: string, b: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Whether `password` matches the configured one (clear, or `{SHA}` hex as supervisord compares it). */
export function passwordMatches(configured: string, password: string): boolean {
  if (configured.startsWith(SHA_PREFIX)) {
    const hash = createHash('sha1').update(password, 'utf8').digest('hex');
    return sameText(configured.slice(SHA_PREFIX.length), hash);
  }
  return sameText(configured, password);
}

/** `Basic <base64 user:password>` to its two parts; null for anything else. */
export function parseBasicAuth(header: string): { username: string; password: string } | null {
  const match = /^basic\s+(\S+)\s*$/i.exec(header);
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function createAuthorizer(credentials: Credentials | null): Authorizer {
  if (credentials === null) return () => true;
  return (metadata) => {
    const [header] = metadata.get('authorization');
    const given = typeof header === 'string' ? parseBasicAuth(header) : null;
    if (given === null) return false;
    // Both checks always run, so a right user name is not told apart from a wrong one.
    const userOk = sameText(credentials.username, given.username);
    const passwordOk = passwordMatches(credentials.password, given.password);
    return userOk && passwordOk;
  };
}
