/**
 * AdminService messages to and from the store's and the auth module's types: tokens (never
 * their secrets) and audit rows.
 */
import { FleetError } from '../../common/errors.js';
import type { AuditEntry, StoredToken } from '../store/store.js';
import { TokenRole, type AuditEntry as ProtoAuditEntry, type Token } from '../../proto/gen/fleet/v1/admin.js';

const ROLE_TO_PROTO: Record<StoredToken['role'], TokenRole> = {
  viewer: TokenRole.TOKEN_ROLE_VIEWER,
  operator: TokenRole.TOKEN_ROLE_OPERATOR,
  admin: TokenRole.TOKEN_ROLE_ADMIN,
  join: TokenRole.TOKEN_ROLE_JOIN,
};

/** INCORRECT_PARAMETERS for an unset or unknown role. */
export function fromProtoRole(role: TokenRole): StoredToken['role'] {
  const found = (Object.entries(ROLE_TO_PROTO) as [StoredToken['role'], TokenRole][]).find(([, value]) => value === role);
  if (!found) throw new FleetError('INCORRECT_PARAMETERS', 'give the token a role: viewer, operator, admin or join');
  return found[0];
}

export function toProtoToken(token: StoredToken): Token {
  return {
    id: token.id,
    name: token.name,
    role: ROLE_TO_PROTO[token.role],
    scopes: [...token.scopes],
    createdBy: token.createdBy,
    createdAtMs: BigInt(token.createdAt),
    expiresAtMs: BigInt(token.expiresAt ?? 0),
    revokedAtMs: BigInt(token.revokedAt ?? 0),
  };
}

export function toProtoAuditEntry(entry: AuditEntry): ProtoAuditEntry {
  return {
    id: BigInt(entry.id),
    timeMs: BigInt(entry.time),
    who: entry.who,
    tokenId: entry.tokenId,
    origin: entry.origin,
    action: entry.action,
    addresses: [...entry.addresses],
    hosts: [...entry.hosts],
    result: entry.result,
  };
}
