/**
 * The read side: hosts with liveness and counts, the current process view, stored history.
 * Listings come from memory (the registry and the view); history from the store.
 */
import { AddressMatcher, parseAddresses, type HostScope } from '../../common/address.js';
import { FleetError } from '../../common/errors.js';
import type { HistoryEvent } from '../../common/fleet-event.js';
import { fnmatchToRegExp } from '../../common/glob.js';
import { matchesLabels, type HostInfo, type LabelSelector } from '../../common/host.js';
import type { HistorySelection } from '../store/store.js';
import { callerAllows, callerSeesHost, type Caller } from './caller.js';
import type { CoreContext } from './core-context.js';
import type { HostRecord } from './host-registry.js';
import { resolveListing, type Listing } from './targets.js';

export interface HostsQuery {
  /** Host globs; empty means every host. */
  hosts?: readonly string[];
  labels?: LabelSelector;
}

export function hostInfo(ctx: CoreContext, record: HostRecord): HostInfo {
  const { session: _session, ...info } = record;
  return { ...info, labels: { ...info.labels }, counts: ctx.view.counts(record.name) };
}

export function listHosts(ctx: CoreContext, caller: Caller, query: HostsQuery = {}): HostInfo[] {
  const globs = (query.hosts ?? []).map((g) => fnmatchToRegExp(g));
  return ctx.registry
    .all()
    .filter((h) => callerSeesHost(caller, h.name))
    .filter((h) => globs.length === 0 || globs.some((re) => re.test(h.name)))
    .filter((h) => !query.labels || matchesLabels(h.labels, query.labels))
    .map((h) => hostInfo(ctx, h));
}

export interface ProcessListing extends Omit<Listing, 'hosts'> {
  hosts: HostInfo[];
}

export function listProcesses(ctx: CoreContext, caller: Caller, scope: HostScope, addresses: readonly string[]): ProcessListing {
  const listing = resolveListing({ registry: ctx.registry, view: ctx.view, caller }, addresses, scope);
  return { ...listing, hosts: listing.hosts.map((h) => hostInfo(ctx, h)) };
}

export interface HistoryRequest {
  scope: HostScope;
  addresses: readonly string[];
  since?: number;
  until?: number;
  /** 0 or absent: DEFAULT_HISTORY_LIMIT. */
  limit?: number;
}

export const DEFAULT_HISTORY_LIMIT = 1000;
export const MAX_HISTORY_LIMIT = 100_000;

/** Stored transitions, exits, gaps and actions, oldest first (the newest `limit` of them). */
export async function history(ctx: CoreContext, caller: Caller, request: HistoryRequest): Promise<HistoryEvent[]> {
  const limit = request.limit || DEFAULT_HISTORY_LIMIT;
  if (limit > MAX_HISTORY_LIMIT) throw new FleetError('INCORRECT_PARAMETERS', `limit ${limit} is above the maximum of ${MAX_HISTORY_LIMIT}`);
  const addresses = parseAddresses(request.addresses);
  const select = selection(ctx, caller, addresses, request.scope, request.addresses.length === 0);
  await ctx.actions.done();
  const events = await ctx.store.history({ select, since: request.since || undefined, until: request.until || undefined, limit });
  if (caller.limit === null) return events;
  // The selection kept to the hosts the caller sees; processes and actions outside its limit go here.
  return events.filter((e) => {
    if (e.kind === 'action') return e.hosts.length > 0 && e.hosts.every((h) => callerSeesHost(caller, h));
    if (e.kind === 'gap') return callerSeesHost(caller, e.host);
    return callerAllows(caller, e.host, e.group, e.name);
  });
}

/**
 * No addresses under `-A`: everything (actions that reached no host included). A caller with a
 * limit reads from the hosts it sees only, so its `limit` newest entries are not spent on
 * hosts it would not be shown.
 */
function selection(ctx: CoreContext, caller: Caller, addresses: ReturnType<typeof parseAddresses>, scope: HostScope, noAddresses: boolean): HistorySelection | undefined {
  const seen = (host: string): boolean => callerSeesHost(caller, host);
  if (noAddresses && scope.kind === 'all') {
    return caller.limit === null ? undefined : { hosts: ctx.registry.all().map((h) => h.name).filter(seen) };
  }
  const probe = new AddressMatcher(parseAddresses(['all'])[0]!);
  const scopeHosts =
    scope.kind === 'host' ? [scope.host] : ctx.registry.all().filter((h) => probe.matchesHost(h.name, h.labels, scope)).map((h) => h.name);
  return { addresses, scopeHosts: scopeHosts.filter(seen) };
}
