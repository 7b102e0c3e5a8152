/**
 * What fleetctl needs from fleet-controller's AdminService (tokens and the audit trail), in
 * plain types. The gRPC implementation is grpc-admin-client.ts, the only CLI module that sees
 * AdminService's generated types. Errors are as for ControllerClient (controller-client.ts):
 * the controller's fault as a FleetError, HOST_UNREACHABLE when it cannot be reached.
 */
export type TokenRoleName = 'viewer' | 'operator' | 'admin' | 'join';

export interface TokenInfo {
  /** 16 hex digits: how `token revoke` names it. */
  id: string;
  name: string;
  /** 'unknown' for a role this fleetctl does not know (a newer controller). */
  role: TokenRoleName | 'unknown';
  /** Empty: everything. */
  scopes: string[];
  createdBy: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms; null: never. */
  expiresAt: number | null;
  revokedAt: number | null;
}

export interface AuditRow {
  id: number;
  /** Epoch ms. */
  time: number;
  who: string;
  tokenId: string;
  origin: string;
  action: string;
  addresses: string[];
  hosts: string[];
  result: string;
}

export interface NewTokenRequest {
  name: string;
  role: TokenRoleName;
  scopes: readonly string[];
  /** ms; 0: the controller's default (never; join tokens: one hour). */
  ttlMs: number;
}

export interface AdminClient {
  /** The new token's text (shown once) and what was stored. */
  createToken(request: NewTokenRequest, signal?: AbortSignal): Promise<{ text: string; token: TokenInfo }>;
  listTokens(signal?: AbortSignal): Promise<TokenInfo[]>;
  revokeToken(id: string, signal?: AbortSignal): Promise<TokenInfo>;
  /** Oldest first: the `limit` newest rows (0: the controller's default) since `since` (epoch ms, 0: all) of `who` ('' for everyone). */
  listAudit(query: { since: number; who: string; limit: number }, signal?: AbortSignal): Promise<AuditRow[]>;
  /** Idempotent. */
  close(): void;
}
