/**
 * Making tokens: the checks on what `fleetctl token create` (and bootstrap) asks for, and the
 * record that is stored. The token's text is returned to be shown once; only its hash is kept.
 *
 * - name: 1 to 64 printable characters without spaces at the ends (default: `<role>-<id>`).
 * - scopes: addresses (`web-*\/*`, `db-1/postgres`) parsed with the one address parser; none
 *   means everything. A join token takes none (it can only enroll an agent).
 * - ttl: how long the token lives; none means it never expires, except for join tokens, which
 *   live DEFAULT_JOIN_TTL_MS unless told otherwise.
 */
import { parseAddress } from '../../common/address.js';
import { FleetError, isFleetError } from '../../common/errors.js';
import type { StoredToken } from '../store/store.js';
import { generateToken, isTokenRole, TOKEN_ROLES } from './tokens.js';

export interface TokenRequest {
  name: string;
  role: string;
  scopes: readonly string[];
  /** ms; 0 for the default. */
  ttlMs: number;
}

export interface IssuedToken {
  /** `fvt_<id>_<secret>`: to be shown once, never stored or logged. */
  text: string;
  token: StoredToken;
  secretHash: Uint8Array;
}

export const DEFAULT_JOIN_TTL_MS = 60 * 60 * 1000;
const MAX_NAME_LENGTH = 64;

/** A new token as asked for, or INCORRECT_PARAMETERS / BAD_ADDRESS saying what is wrong. */
export function issueToken(request: TokenRequest, createdBy: string, now: number): IssuedToken {
  const { role } = request;
  if (!isTokenRole(role)) throw new FleetError('INCORRECT_PARAMETERS', `unknown role ${JSON.stringify(role)} (roles: ${TOKEN_ROLES.join(', ')})`);
  const name = request.name.trim();
  if (name.length > MAX_NAME_LENGTH || /[\0-\x1f\x7f]/.test(name)) {
    throw new FleetError('INCORRECT_PARAMETERS', `a token name has at most ${MAX_NAME_LENGTH} characters and no control characters`);
  }
  if (role === 'join' && request.scopes.length > 0) {
    throw new FleetError('INCORRECT_PARAMETERS', 'a join token takes no scope: it can only enroll an agent, whose identity its certificate fixes');
  }
  for (const scope of request.scopes) {
    try {
      parseAddress(scope);
    } catch (err) {
      if (isFleetError(err, 'BAD_ADDRESS')) throw new FleetError('BAD_ADDRESS', `scope: ${err.message}`);
      throw err;
    }
  }
  if (!Number.isSafeInteger(request.ttlMs) || request.ttlMs < 0) throw new FleetError('INCORRECT_PARAMETERS', `ttl must be a positive number of ms, got ${request.ttlMs}`);
  const ttl = request.ttlMs || (role === 'join' ? DEFAULT_JOIN_TTL_MS : 0);
  const generated = generateToken();
  return {
    text: generated.text,
    secretHash: generated.secretHash,
    token: {
      id: generated.id,
      name: name || `${role}-${generated.id.slice(0, 6)}`,
      role,
      scopes: [...new Set(request.scopes)],
      createdBy,
      createdAt: now,
      expiresAt: ttl > 0 ? now + ttl : null,
      revokedAt: null,
    },
  };
}
