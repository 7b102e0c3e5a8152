/**
 * reread and update on the selected hosts: one command per host, in parallel, one outcome per
 * host as it answers. update also keeps the process view honest about what it removed (a
 * removed process has no transition that would tell the view). Both are recorded as operator
 * actions (reread reads the agents' configs only, but it is an operator's call all the same).
 *
 * A caller with a limit may update a host only where the limit covers every group it acts on,
 * now and later (`web-*\/*`, or `web-1/api:*` for `update api`): update adds, changes and
 * removes whole groups, which a narrower limit does not allow. Other hosts get PERMISSION_DENIED.
 */
import { setMaxListeners } from 'node:events';
import type { HostScope } from '../../common/address.js';
import type { GroupUpdate } from '../../common/group-update.js';
import { AsyncQueue } from './async-queue.js';
import { callerCoversGroup, callerCoversHost, type Caller } from './caller.js';
import type { CoreContext } from './core-context.js';
import { dispatch, unreachableError } from './dispatch.js';
import type { AgentCommand, CommandReply, RereadOutcome } from './link-protocol.js';
import { recordActionBehind } from './operator-actions.js';
import { resolveHosts, type HostError } from './targets.js';

export interface HostCommandRequest {
  scope: HostScope;
  /** Host globs; empty means the scope's hosts. */
  hosts: readonly string[];
}

export type HostOutcome<T> = { kind: 'ok'; host: string; value: T } | { kind: 'host-error'; error: HostError };

export async function* reread(ctx: CoreContext, caller: Caller, request: HostCommandRequest, signal: AbortSignal): AsyncGenerator<HostOutcome<RereadOutcome>> {
  const failures: string[] = [];
  const hosts: string[] = [];
  let complete = false;
  try {
    for await (const outcome of onHosts(ctx, caller, request, { kind: 'reread' }, signal, (reply) => reply.reread ?? { added: [], changed: [], removed: [] })) {
      if (outcome.kind === 'host-error') {
        failures.push(`${outcome.error.host} ${outcome.error.code}`);
        if (outcome.error.host) hosts.push(outcome.error.host);
      } else {
        hosts.push(outcome.host);
      }
      yield outcome;
    }
    complete = true;
  } finally {
    recordActionBehind(ctx, caller, { action: 'reread', addresses: request.hosts.length ? request.hosts.map((h) => `${h}/`) : ['all'], hosts: hosts.sort(), failures, abandoned: !complete });
  }
}

export async function* update(
  ctx: CoreContext,
  caller: Caller,
  request: HostCommandRequest & { groups: readonly string[] },
  signal: AbortSignal,
): AsyncGenerator<HostOutcome<GroupUpdate[]>> {
  const failures: string[] = [];
  const hosts: string[] = [];
  let complete = false;
  try {
    const take = (reply: CommandReply, host: string): GroupUpdate[] => {
      const updates = reply.update ?? [];
      forgetRemoved(ctx, host, updates);
      return updates;
    };
    const refuse = (host: string): HostError | null => (updateAllowed(caller, host, request.groups) ? null : updateRefused(caller, host, request.groups));
    for await (const outcome of onHosts(ctx, caller, request, { kind: 'update', groups: [...request.groups] }, signal, take, refuse)) {
      if (outcome.kind === 'host-error') {
        failures.push(`${outcome.error.host} ${outcome.error.code}`);
        if (outcome.error.host) hosts.push(outcome.error.host);
      } else {
        hosts.push(outcome.host);
        for (const u of outcome.value) if (u.code !== 'SUCCESS') failures.push(`${outcome.host}/${u.group} ${u.code}`);
      }
      yield outcome;
    }
    complete = true;
  } finally {
    recordActionBehind(ctx, caller, { action: 'update', addresses: request.groups.length ? [...request.groups] : ['all'], hosts: hosts.sort(), failures, abandoned: !complete });
  }
}

/** Removed groups and processes leave the view (and the store's copy) at once. */
function forgetRemoved(ctx: CoreContext, host: string, updates: GroupUpdate[]): void {
  const drop = (group: string, name: string | null): void => {
    ctx.view.remove(host, group, name);
    ctx.store.removeProcesses(host, group, name).catch((err: unknown) => ctx.log.warn(`${host}: cannot update the stored view: ${(err as Error).message}`));
  };
  for (const u of updates) {
    if (u.code !== 'SUCCESS') continue;
    if (u.action === 'removed') drop(u.group, null);
    if (u.action === 'changed') for (const p of u.removed) drop(p.group, p.name);
  }
}

async function* onHosts<T>(
  ctx: CoreContext,
  caller: Caller,
  request: HostCommandRequest,
  command: AgentCommand,
  signal: AbortSignal,
  take: (reply: CommandReply, host: string) => T,
  refuse: (host: string) => HostError | null = () => null,
): AsyncGenerator<HostOutcome<T>> {
  const { hosts, errors } = resolveHosts({ registry: ctx.registry, view: ctx.view, caller }, request.hosts, request.scope);
  const queue = new AsyncQueue<HostOutcome<T>>();
  for (const error of errors) queue.push({ kind: 'host-error', error });
  const abandon = new AbortController();
  const callSignal = AbortSignal.any([signal, abandon.signal]);
  // One listener per host's command: thousands are expected, not a leak.
  setMaxListeners(0, callSignal);
  const work = Promise.all(
    hosts.map(async (record) => {
      const refused = refuse(record.name);
      if (refused) return queue.push({ kind: 'host-error', error: refused });
      if (record.liveness !== 'connected') return queue.push({ kind: 'host-error', error: unreachableError(ctx, record) });
      const outcome = await dispatch(ctx, record, command, callSignal);
      queue.push(outcome.ok ? { kind: 'ok', host: record.name, value: take(outcome.reply, record.name) } : { kind: 'host-error', error: outcome.error });
    }),
  ).then(
    () => queue.end(),
    (err: unknown) => queue.fail(err as Error),
  );
  try {
    yield* queue;
  } finally {
    abandon.abort();
    await work;
  }
}

/** Whether the caller's limit covers every group `update` acts on, on `host` (all of them when `groups` is empty). */
function updateAllowed(caller: Caller, host: string, groups: readonly string[]): boolean {
  return groups.length === 0 ? callerCoversHost(caller, host) : groups.every((g) => callerCoversGroup(caller, host, g));
}

function updateRefused(caller: Caller, host: string, groups: readonly string[]): HostError {
  const what = groups.length === 0 ? 'every group' : `every process of ${groups.join(', ')}`;
  return { host, code: 'PERMISSION_DENIED', message: `${caller.who}'s scope does not cover ${what} on ${host}, which update acts on` };
}
