/**
 * The administration operations behind AdminService: creating, listing and revoking tokens, and
 * reading the audit trail. Creating and revoking are recorded in the audit trail, failed
 * attempts included, with the token's id, name, role and scopes, never its text.
 */
import { FleetError, isFleetError } from '../../common/errors.js';
import type { Caller } from '../core/caller.js';
import type { ActionRecord } from '../core/operator-actions.js';
import type { AuditEntry, AuditQuery, StoredToken, TokenStore } from '../store/store.js';
import { issueToken, type TokenRequest } from './token-issuer.js';

/** The newest this many audit rows when a query asks for none in particular. */
export const DEFAULT_AUDIT_LIMIT = 1000;
export const MAX_AUDIT_LIMIT = 100_000;

export interface TokenAdminOptions {
  tokens: TokenStore;
  /** Records an action in the audit trail (ControllerCore.recordAction); never rejects. */
  record: (caller: Caller, record: ActionRecord) => Promise<void>;
  /** Resolves once the actions being recorded behind their commands are in (ControllerCore.actionsRecorded). */
  recorded?: () => Promise<void>;
  now?: () => number;
}

export class TokenAdmin {
  private readonly tokens: TokenStore;
  private readonly record: TokenAdminOptions['record'];
  private readonly recorded: () => Promise<void>;
  private readonly now: () => number;

  constructor(options: TokenAdminOptions) {
    this.tokens = options.tokens;
    this.record = options.record;
    this.recorded = options.recorded ?? (() => Promise.resolve());
    this.now = options.now ?? Date.now;
  }

  /** A new token and its text (to be shown once). */
  async createToken(caller: Caller, request: TokenRequest): Promise<{ text: string; token: StoredToken }> {
    const described = [`role=${request.role}`, ...(request.name ? [`name=${request.name}`] : []), ...request.scopes.map((s) => `scope=${s}`)];
    try {
      const issued = issueToken(request, caller.who, this.now());
      await this.tokens.addToken(issued.token, issued.secretHash);
      const { token } = issued;
      const ttl = token.expiresAt === null ? [] : [`expires=${new Date(token.expiresAt).toISOString()}`];
      await this.record(caller, { action: 'token create', addresses: [token.id, `name=${token.name}`, `role=${token.role}`, ...token.scopes.map((s) => `scope=${s}`), ...ttl], hosts: [], failures: [] });
      return { text: issued.text, token };
    } catch (err) {
      await this.record(caller, { action: 'token create', addresses: described, hosts: [], failures: [faultLine(err)] });
      throw err;
    }
  }

  async listTokens(): Promise<StoredToken[]> {
    return this.tokens.listTokens();
  }

  /** Revokes the token (again: no change); BAD_NAME for an unknown id. */
  async revokeToken(caller: Caller, id: string): Promise<StoredToken> {
    const revoked = await this.tokens.revokeToken(id, this.now());
    if (revoked === null) {
      await this.record(caller, { action: 'token revoke', addresses: [id], hosts: [], failures: [`BAD_NAME no such token`] });
      throw new FleetError('BAD_NAME', `no token with the id ${JSON.stringify(id)} (fleetctl token list shows the ids)`);
    }
    await this.record(caller, { action: 'token revoke', addresses: [id, `name=${revoked.name}`], hosts: [], failures: [] });
    return revoked;
  }

  async listAudit(query: Partial<AuditQuery>): Promise<AuditEntry[]> {
    const limit = query.limit || DEFAULT_AUDIT_LIMIT;
    if (limit > MAX_AUDIT_LIMIT) throw new FleetError('INCORRECT_PARAMETERS', `limit ${limit} is above the maximum of ${MAX_AUDIT_LIMIT}`);
    // An operator's own command, answered before its action was recorded, is in what they read next.
    await this.recorded();
    return this.tokens.listAudit({ since: query.since ?? 0, who: query.who ?? '', limit });
  }
}

function faultLine(err: unknown): string {
  return isFleetError(err) ? `${err.code} ${err.message}` : `INTERNAL ${(err as Error).message}`;
}
