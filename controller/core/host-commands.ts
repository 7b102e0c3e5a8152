/**
 * reread and update on the selected hosts: one command per host, in parallel, one outcome per
 * host as it answers. update also keeps the process view honest about what it removed (a
 * removed process has no transition that would tell the view), and is recorded as an
 * operator action; reread only reads the agents' configs.
 */
import { setMaxListeners } from 'node:events';
import type { HostScope } from '../../common/address.js';
import type { GroupUpdate } from '../../common/group-update.js';
import { AsyncQueue } from './async-queue.js';
import type { Caller } from './caller.js';
import type { CoreContext } from './core-context.js';
import { dispatch, unreachableError } from './dispatch.js';
import type { AgentCommand, CommandReply, RereadOutcome } from './link-protocol.js';
import { recordOperatorAction } from './operator-actions.js';
import { resolveHosts, type HostError } from './targets.js';

export interface HostCommandRequest {
  scope: HostScope;
  /** Host globs; empty means the scope's hosts. */
  hosts: readonly string[];
}

export type HostOutcome<T> = { kind: 'ok'; host: string; value: T } | { kind: 'host-error'; error: HostError };

export function reread(ctx: CoreContext, caller: Caller, request: HostCommandRequest, signal: AbortSignal): AsyncGenerator<HostOutcome<RereadOutcome>> {
  return onHosts(ctx, caller, request, { kind: 'reread' }, signal, (reply) => reply.reread ?? { added: [], changed: [], removed: [] });
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
    for await (const outcome of onHosts(ctx, caller, request, { kind: 'update', groups: [...request.groups] }, signal, (reply, host) => {
      const updates = reply.update ?? [];
      forgetRemoved(ctx, host, updates);
      return updates;
    })) {
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
    await recordOperatorAction(ctx, caller, { action: 'update', addresses: request.groups.length ? [...request.groups] : ['all'], hosts: hosts.sort(), failures, abandoned: !complete });
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
