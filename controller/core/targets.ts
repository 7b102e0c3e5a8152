/**
 * From addresses and a host scope to what a call touches: which hosts, which selectors to send
 * each of them, and which per-host errors to report. The one place where scope, address globs,
 * the caller's limit and the current process view meet, for listings, fan-out, history, logs
 * and event watches alike.
 *
 * Rules, in supervisorctl's spirit:
 * - A literal host that is unknown, or a host glob that matches no host: NO_SUCH_HOST.
 * - An address that matches no process on the hosts it reaches: BAD_NAME (`no such process`),
 *   unless one of those hosts is unreachable and may have it (then that host's
 *   HOST_UNREACHABLE says why).
 * - A host that is not connected is unreachable for actions when its last known processes
 *   match the address (or it never reported any); a host that never had the process is left
 *   out rather than reported.
 */
import { AddressMatcher, parseAddresses, type HostScope } from '../../common/address.js';
import type { ErrorCode } from '../../common/errors.js';
import { callerAllows, callerCoversHost, callerSeesHost, type Caller } from './caller.js';
import type { HostRecord, HostRegistry } from './host-registry.js';
import type { ProcessSelector } from './link-protocol.js';
import type { ProcessView } from './process-view.js';
import type { ProcessInfo } from '../../common/process-info.js';

/** One host that could not take part, or an address that reached nothing. */
export interface HostError {
  host: string;
  code: ErrorCode;
  message: string;
}

export interface HostTarget {
  record: HostRecord;
  /** The addresses that reach this host and match its processes. */
  matchers: AddressMatcher[];
}

export interface ResolvedTargets {
  matchers: AddressMatcher[];
  /** Connected hosts with something to act on, sorted by name. */
  live: HostTarget[];
  /** Hosts that should take part but are not connected, sorted by name. */
  unreachable: HostRecord[];
  /** NO_SUCH_HOST and BAD_NAME errors. */
  errors: HostError[];
}

export interface TargetContext {
  registry: HostRegistry;
  view: ProcessView;
  caller: Caller;
}

/** Parses the addresses (BAD_ADDRESS for the whole call) and sorts out what they reach. */
export function resolveTargets(ctx: TargetContext, addressTexts: readonly string[], scope: HostScope): ResolvedTargets {
  const matchers = parseAddresses(addressTexts).map((a) => new AddressMatcher(a));
  const errors = new ErrorList();
  const hosts = ctx.registry.all().filter((h) => callerSeesHost(ctx.caller, h.name));
  const live = new Map<string, HostTarget>();
  const unreachable = new Map<string, HostRecord>();

  for (const matcher of matchers) {
    const reached = hosts.filter((h) => matcher.matchesHost(h.name, h.labels, scope));
    if (reached.length === 0) {
      errors.add(noHostError(matcher, scope));
      continue;
    }
    let matched = false;
    let maybeOnUnreachable = false;
    for (const host of reached) {
      const has = ctx.view.some(host.name, (g, n) => matcher.matchesProcess(g, n) && callerAllows(ctx.caller, host.name, g, n));
      if (host.liveness === 'connected') {
        if (!has) continue;
        matched = true;
        let target = live.get(host.name);
        if (!target) live.set(host.name, (target = { record: host, matchers: [] }));
        target.matchers.push(matcher);
      } else if (has || ctx.view.list(host.name).length === 0) {
        maybeOnUnreachable = true;
        unreachable.set(host.name, host);
      }
    }
    if (!matched && !maybeOnUnreachable) {
      errors.add({ host: matcher.address.host ?? '', code: 'BAD_NAME', message: `no such process: ${matcher.address.text}` });
    }
  }
  return { matchers, live: sortByHost([...live.values()], (t) => t.record.name), unreachable: sortByHost([...unreachable.values()], (h) => h.name), errors: errors.list };
}

/**
 * Which processes of a host a target acts on, as selectors for the agent. The addresses' own
 * globs go as they are (the agent matches them against its live processes, and a name without
 * wildcards keeps supervisorctl's single-process faults) when the caller may touch everything
 * on the host. Under a narrower limit each address becomes the exact processes the caller may
 * touch: a glob would also reach processes the agent added since its last report (or adds
 * later, which a following log subscription picks up), past the limit.
 */
export function selectorsFor(ctx: TargetContext, target: HostTarget): ProcessSelector[] {
  const host = target.record.name;
  const exactOnly = !callerCoversHost(ctx.caller, host);
  const seen = new Set<string>();
  const selectors: ProcessSelector[] = [];
  const add = (group: string, process: string): void => {
    const key = `${group}\0${process}`;
    if (seen.has(key)) return;
    seen.add(key);
    selectors.push({ group, process });
  };
  for (const m of target.matchers) {
    const matched = ctx.view.list(host).filter((p) => m.matchesProcess(p.group, p.name));
    const allowed = matched.filter((p) => callerAllows(ctx.caller, host, p.group, p.name));
    if (!exactOnly && allowed.length === matched.length) add(m.address.group, m.address.process);
    else for (const p of allowed) add(escapeGlob(p.group), escapeGlob(p.name));
  }
  return selectors;
}

/** A name as a glob that matches only itself: `*`, `?` and `[` each in a bracket. */
export function escapeGlob(name: string): string {
  return name.replace(/[*?[]/g, '[$&]');
}

/** Every host a host-wide call (reread, update) reaches: host globs, or the scope's hosts. */
export function resolveHosts(ctx: TargetContext, hostGlobs: readonly string[], scope: HostScope): { hosts: HostRecord[]; errors: HostError[] } {
  const addresses = hostGlobs.length === 0 ? ['all'] : hostGlobs.map((h) => `${h}/all`);
  const matchers = parseAddresses(addresses).map((a) => new AddressMatcher(a));
  const errors = new ErrorList();
  const hosts = new Map<string, HostRecord>();
  const known = ctx.registry.all().filter((h) => callerSeesHost(ctx.caller, h.name));
  for (const matcher of matchers) {
    const reached = known.filter((h) => matcher.matchesHost(h.name, h.labels, scope));
    if (reached.length === 0) errors.add(noHostError(matcher, scope));
    for (const host of reached) hosts.set(host.name, host);
  }
  return { hosts: sortByHost([...hosts.values()], (h) => h.name), errors: errors.list };
}

export interface Listing {
  /** Every host an address reached, sorted by name (disconnected ones with their last known processes). */
  hosts: HostRecord[];
  processes: { host: string; info: ProcessInfo }[];
  /** NO_SUCH_HOST, and BAD_NAME for addresses that matched no process. */
  errors: HostError[];
}

/** What a listing shows: the view's processes the addresses match, live or last known. */
export function resolveListing(ctx: TargetContext, addressTexts: readonly string[], scope: HostScope): Listing {
  const matchers = parseAddresses(addressTexts).map((a) => new AddressMatcher(a));
  const errors = new ErrorList();
  const known = ctx.registry.all().filter((h) => callerSeesHost(ctx.caller, h.name));
  const reachedHosts = new Map<string, HostRecord>();
  const shown = new Map<string, Set<ProcessInfo>>();
  for (const matcher of matchers) {
    const reached = known.filter((h) => matcher.matchesHost(h.name, h.labels, scope));
    if (reached.length === 0) errors.add(noHostError(matcher, scope));
    let matched = false;
    for (const host of reached) {
      reachedHosts.set(host.name, host);
      for (const info of ctx.view.list(host.name)) {
        if (!matcher.matchesProcess(info.group, info.name) || !callerAllows(ctx.caller, host.name, info.group, info.name)) continue;
        matched = true;
        let set = shown.get(host.name);
        if (!set) shown.set(host.name, (set = new Set()));
        set.add(info);
      }
    }
    if (reached.length > 0 && !matched) errors.add({ host: matcher.address.host ?? '', code: 'BAD_NAME', message: `no such process: ${matcher.address.text}` });
  }
  const hosts = sortByHost([...reachedHosts.values()], (h) => h.name);
  const processes = hosts.flatMap((h) =>
    ctx.view
      .list(h.name)
      .filter((info) => shown.get(h.name)?.has(info))
      .map((info) => ({ host: h.name, info })),
  );
  return { hosts, processes, errors: errors.list };
}

function noHostError(matcher: AddressMatcher, scope: HostScope): HostError {
  const host = matcher.address.host;
  if (host !== null) {
    return matcher.literalHost !== null
      ? { host, code: 'NO_SUCH_HOST', message: `no such host: ${host}` }
      : { host, code: 'NO_SUCH_HOST', message: `no host matches ${JSON.stringify(host)}` };
  }
  switch (scope.kind) {
    case 'host':
      if (scope.host === '') return { host: '', code: 'NO_SUCH_HOST', message: 'no host given: name one in the address (host/ADDR) or in the scope, or ask for all hosts' };
      return { host: scope.host, code: 'NO_SUCH_HOST', message: `no such host: ${scope.host} (use -A for every host, or host/ADDR)` };
    case 'labels': {
      const text = Object.entries(scope.selector).map(([k, v]) => `${k}=${v}`).join(',');
      return { host: '', code: 'NO_SUCH_HOST', message: `no host has the labels ${text}` };
    }
    case 'all':
      return { host: '', code: 'NO_SUCH_HOST', message: 'no host has connected to this controller yet' };
  }
}

class ErrorList {
  readonly list: HostError[] = [];
  private readonly seen = new Set<string>();

  add(error: HostError): void {
    const key = `${error.host}\0${error.code}\0${error.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push(error);
  }
}

function sortByHost<T>(items: T[], name: (item: T) => string): T[] {
  return items.sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0));
}
