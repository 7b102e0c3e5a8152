/**
 * Who is calling the core: the gRPC adapters and the HTTP side build one per request. In
 * insecure mode every caller is `anonymous` with no limit. Tokens (a later issue) will fill
 * `who` with the token's name and `limit` with its address scope (`web-*\/*`); the core applies
 * the limit where it resolves addresses (targets.ts), so listings, fan-out, history and log
 * streams all honour it. Roles are checked before a call reaches the core.
 */
import { AddressMatcher, parseAddress } from '../../common/address.js';

export interface Caller {
  /** Recorded as the actor of operator actions. */
  who: string;
  /** The peer address the call came from. */
  origin: string;
  /** Addresses the caller may see and touch; null means everything. */
  limit: readonly AddressMatcher[] | null;
}

export function anonymousCaller(origin: string): Caller {
  return { who: 'anonymous', origin, limit: null };
}

/** A caller limited to `scopes` (address texts such as `web-*\/*`). */
export function limitedCaller(who: string, origin: string, scopes: readonly string[]): Caller {
  return { who, origin, limit: scopes.map((s) => new AddressMatcher(parseAddress(s))) };
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
