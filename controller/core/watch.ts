/**
 * The live stream behind WatchEvents and the dashboard: entries from the event bus that the
 * addresses and scope select, as they are committed. A watcher that falls too far behind is
 * ended with an error (it can read what it missed from History) rather than buffered forever.
 */
import { AddressMatcher, parseAddresses, type HostScope } from '../../common/address.js';
import { FleetError } from '../../common/errors.js';
import { AsyncQueue } from './async-queue.js';
import { callerAllows, callerSeesHost, type Caller } from './caller.js';
import type { CoreContext } from './core-context.js';
import type { FleetEntry } from './event-bus.js';

export interface WatchRequest {
  scope: HostScope;
  addresses: readonly string[];
}

/** Entries a watcher may have waiting before it is cut off. */
export const WATCH_BACKLOG_LIMIT = 10_000;

export function watchEvents(ctx: CoreContext, caller: Caller, request: WatchRequest, signal: AbortSignal): AsyncIterable<FleetEntry> {
  const matchers = parseAddresses(request.addresses).map((a) => new AddressMatcher(a));
  const labelsOf = (host: string): Record<string, string> => ctx.registry.get(host)?.labels ?? {};
  const reachesHost = (host: string): boolean => callerSeesHost(caller, host) && matchers.some((m) => m.matchesHost(host, labelsOf(host), request.scope));
  const selects = (entry: FleetEntry): boolean => {
    switch (entry.kind) {
      case 'transition':
      case 'exit':
        return callerAllows(caller, entry.host, entry.group, entry.name) && matchers.some((m) => m.matchesHost(entry.host, labelsOf(entry.host), request.scope) && m.matchesProcess(entry.group, entry.name));
      case 'gap':
      case 'liveness':
        return reachesHost(entry.host);
      case 'action':
        // As in history: a limited caller sees an action only when it sees every host it reached.
        if (entry.hosts.length === 0) return request.scope.kind === 'all' && caller.limit === null;
        return entry.hosts.every((h) => callerSeesHost(caller, h)) && entry.hosts.some(reachesHost);
    }
  };
  let unsubscribe = (): void => {};
  const onAbort = (): void => queue.end();
  const queue = new AsyncQueue<FleetEntry>({
    limit: WATCH_BACKLOG_LIMIT,
    overflow: () => new FleetError('FAILED', `the watcher fell ${WATCH_BACKLOG_LIMIT} entries behind and was cut off; read History for what it missed`),
    onClose: () => {
      unsubscribe();
      signal.removeEventListener('abort', onAbort);
    },
  });
  unsubscribe = ctx.bus.subscribe((entry) => {
    if (selects(entry)) queue.push(entry);
  });
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) queue.end();
  return queue;
}
