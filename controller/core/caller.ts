/**
 * Who is calling the core: the gRPC adapters and the HTTP side build one per request
 * (controller/auth/access-control.ts). In insecure mode every caller is `anonymous` with no
 * limit. A token fills `who` with the token's name, `tokenId` with its id and `limit` with its
 * address scope (`web-*\/*`); the core applies the limit where it resolves addresses
 * (targets.ts), so listings, fan-out, history, watches and log streams all honour it. Roles
 * are checked before a call reaches the core (controller/auth/rpc-roles.ts).
 */
import { AddressMatcher, parseAddress } from '../../common/address.js';

export interface Caller {
  /** Recorded as the actor of operator actions. */
  who: string;
  /** The id of the token the caller presented, recorded beside `who`; '' for none (insecure mode, agents). */
  tokenId: string;
  /** The peer address the call came from. */
  origin: string;
  /** Addresses the caller may see and touch; null means everything. */
  limit: readonly AddressMatcher[] | null;
}

export function anonymousCaller(origin: string): Caller {
  return { who: 'anonymous', tokenId: '', origin, limit: null };
}

/** A caller limited to `scopes` (address texts such as `web-*\/*`); no scopes: no limit. */
export function limitedCaller(who: string, origin: string, scopes: readonly string[], tokenId = ''): Caller {
  return { who, tokenId, origin, limit: scopes.length === 0 ? null : scopes.map((s) => new AddressMatcher(parseAddress(s))) };
}

/** Whether the caller may see or touch process `group:name` on `host`. */
export function callerAllows(caller: Caller, host: string, group: string, name: string): boolean {
  if (caller.limit === null) return true;
  return caller.limit.some((m) => m.matchesHost(host, {}, { kind: 'all' }) && m.matchesProcess(group, name));
}

/** Whether the caller may see anything at all on `host`. */
export function callerSeesHost(caller: Caller, host: string): boolean {
  if (caller.limit === null) return true;
  return caller.limit.some((m) => m.matchesHost(host, {}, { kind: 'all' }));
}

/**
 * Whether the caller may touch everything on `host`, including processes the host adds later:
 * no limit, or a limit entry that reaches the host with `*:*` (`web-*\/*`). Globs sent to such a
 * host cannot reach past the limit; elsewhere only exact names are sent (targets.ts).
 */
export function callerCoversHost(caller: Caller, host: string): boolean {
  if (caller.limit === null) return true;
  return caller.limit.some((m) => m.matchesHost(host, {}, { kind: 'all' }) && m.address.group === '*' && m.address.process === '*');
}

/** Whether the caller may touch every process of `group` on `host`, now and later (what update acts on). */
export function callerCoversGroup(caller: Caller, host: string, group: string): boolean {
  if (caller.limit === null) return true;
  return caller.limit.some((m) => m.matchesHost(host, {}, { kind: 'all' }) && m.address.process === '*' && m.matchesProcess(group, '*'));
}
