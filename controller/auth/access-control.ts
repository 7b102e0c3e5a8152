/**
 * Who may call what, in secure mode: a bearer token is checked against the store (its secret's
 * hash, expiry, revocation), its role against the requirement of the RPC (rpc-roles.ts), and
 * its scope becomes the Caller's limit. Failures are logged with the origin and the token's id
 * at most, never its text, and count against the origin (failure-limiter.ts).
 *
 * What a caller learns from a refusal: without the right secret, only "not a valid token"; a
 * caller who holds the secret is told that the token expired or was revoked.
 */
import { FleetError } from '../../common/errors.js';
import { limitedCaller, type Caller } from '../core/caller.js';
import type { ActionRecord } from '../core/operator-actions.js';
import type { ControllerLog } from '../log.js';
import type { StoredToken, TokenStore } from '../store/store.js';
import { FailureLimiter, type FailureLimiterOptions } from './failure-limiter.js';
import { RPC_REQUIREMENTS, type RpcRequirement } from './rpc-roles.js';
import { parseToken, secretMatches } from './tokens.js';

export interface AccessControlOptions {
  tokens: TokenStore;
  log: ControllerLog;
  /** Epoch ms (Date.now). */
  now?: () => number;
  failures?: FailureLimiterOptions;
  /**
   * Records a refused call of a valid token (a role too low, a join token off its use) in the
   * audit trail (ControllerCore.recordAction); never rejects. Calls without valid credentials
   * are logged instead: a brute-force loop must not fill the trail.
   */
  audit?: (caller: Caller, record: ActionRecord) => Promise<void>;
}

/** What a call presents: a bearer token (or none), where it comes from, and an agent's certified host name. */
export interface Credentials {
  /** The token's text from `authorization: Bearer ...`; null when none was sent. */
  bearer: string | null;
  /** The peer's IP address: what failures are counted by. */
  origin: string;
  /** The host name the transport authenticated (an agent's client certificate); null without one. */
  agentHost: string | null;
  /** The addresses the call names, for the audit row of a refusal. */
  addresses?: readonly string[];
}

const RANK: Readonly<Record<string, number>> = { viewer: 1, operator: 2, admin: 3 };

/** The requirement of a gRPC path; refuses (PERMISSION_DENIED) a path the table does not know, so a new RPC is closed until it has an entry. */
export function requirementOf(path: string): RpcRequirement {
  const requirement = RPC_REQUIREMENTS[path];
  if (requirement === undefined) {
    throw new FleetError('PERMISSION_DENIED', `${path} has no entry in the controller's role table (controller/auth/rpc-roles.ts), so nobody may call it`);
  }
  return requirement;
}

/** Whether a token of `role` meets `requirement` (viewer < operator < admin; join only for join). */
export function roleMeets(role: StoredToken['role'], requirement: RpcRequirement): boolean {
  if (requirement === 'agent') return false;
  if (requirement === 'join' || role === 'join') return role === requirement;
  return RANK[role]! >= RANK[requirement]!;
}

export class AccessControl {
  readonly tokens: TokenStore;
  private readonly log: ControllerLog;
  private readonly now: () => number;
  private readonly limiter: FailureLimiter;
  private readonly audit: AccessControlOptions['audit'];

  constructor(options: AccessControlOptions) {
    this.tokens = options.tokens;
    this.log = options.log;
    this.audit = options.audit;
    this.now = options.now ?? Date.now;
    this.limiter = new FailureLimiter(options.failures);
  }

  /**
   * The Caller of a call to the gRPC `path`, or a FleetError: UNAUTHENTICATED (no or a bad
   * credential), PERMISSION_DENIED (a role below the requirement, a join token elsewhere than
   * Join, a token where an agent certificate is needed), RATE_LIMITED (the origin failed too often).
   */
  async admit(path: string, credentials: Credentials): Promise<Caller> {
    const requirement = requirementOf(path);
    const method = path.slice(path.lastIndexOf('/') + 1);
    if (requirement === 'agent') {
      if (credentials.agentHost === null) {
        throw new FleetError('UNAUTHENTICATED', `${method} needs an agent's client certificate signed by this controller's CA (enroll the agent with fleet-agent join); tokens are not accepted`);
      }
      return { who: `agent ${credentials.agentHost}`, tokenId: '', origin: credentials.origin, limit: null };
    }
    const token = await this.authenticate(credentials.bearer, credentials.origin);
    return this.authorize(token, path, credentials.origin, credentials.addresses ?? []);
  }

  /**
   * The Caller of a valid token (authenticated by its text, or by a dashboard session) for a
   * call to `path`; PERMISSION_DENIED, recorded in the audit trail, when its role is not enough.
   */
  async authorize(token: StoredToken, path: string, origin: string, addresses: readonly string[] = []): Promise<Caller> {
    const requirement = requirementOf(path);
    const method = path.slice(path.lastIndexOf('/') + 1);
    const caller = this.callerOf(token, origin);
    if (!roleMeets(token.role, requirement)) {
      const needs = requirement === 'join' ? 'a join token' : requirement === 'agent' ? "an agent's client certificate" : `the ${requirement} role or above`;
      const refusal = new FleetError('PERMISSION_DENIED', `${method} needs ${needs}; token ${token.name} (${token.id}) has the ${token.role} role`);
      await this.audit?.(caller, { action: `denied ${method}`, addresses, hosts: [], failures: [`PERMISSION_DENIED ${refusal.message}`] });
      throw refusal;
    }
    return caller;
  }

  /** Whether the token is still valid now (not revoked, not expired); for sessions, which outlive no token. */
  isValid(token: StoredToken): boolean {
    return token.revokedAt === null && (token.expiresAt === null || token.expiresAt > this.now());
  }

  /** The Caller a valid token acts as: its name, id and scope. */
  callerOf(token: StoredToken, origin: string): Caller {
    return limitedCaller(token.name, origin, token.scopes, token.id);
  }

  /**
   * The token `text` names, when it is valid now. Throws UNAUTHENTICATED (logged as a failure of
   * `origin`), or RATE_LIMITED while `origin` has failed too often.
   */
  async authenticate(text: string | null, origin: string): Promise<StoredToken> {
    if (text === null || text === '') {
      throw new FleetError('UNAUTHENTICATED', 'this controller needs an API token: give fleetctl --token (or FLEET_TOKEN, or token = in fleetctl.ini); an admin creates one with fleetctl token create');
    }
    const now = this.now();
    const wait = this.limiter.check(origin, now);
    if (wait > 0) {
      throw new FleetError('RATE_LIMITED', `too many failed authentications from ${origin}; try again in ${Math.ceil(wait / 1000)} s`);
    }
    const parsed = parseToken(text);
    if (parsed === null) return this.fail(origin, 'not a fleetvisor token (fvt_...)', now);
    const found = await this.tokens.getToken(parsed.id);
    if (found === null) return this.fail(origin, `unknown token id ${parsed.id}`, now);
    if (!secretMatches(parsed.secret, found.secretHash)) return this.fail(origin, `wrong secret for token id ${parsed.id}`, now);
    const { token } = found;
    if (token.revokedAt !== null) {
      return this.fail(origin, `token ${token.name} (${token.id}) was revoked at ${new Date(token.revokedAt).toISOString()}`, now, true);
    }
    if (token.expiresAt !== null && token.expiresAt <= now) {
      return this.fail(origin, `token ${token.name} (${token.id}) expired at ${new Date(token.expiresAt).toISOString()}`, now, true);
    }
    return token;
  }

  private fail(origin: string, why: string, now: number, tellCaller = false): never {
    this.log.warn(`authentication failed from ${origin}: ${why}`);
    if (this.limiter.fail(origin, now)) {
      this.log.warn(
        `${origin} failed to authenticate ${this.limiter.burst} times in a short while: its calls are refused (RATE_LIMITED) ` +
          `until it has waited; one more attempt is allowed every ${Math.round(this.limiter.refillMs / 1000)} s`,
      );
    }
    throw new FleetError('UNAUTHENTICATED', tellCaller ? `the ${why}` : 'the token is not valid (unknown, malformed, expired or revoked)');
  }
}
