/**
 * start, stop, restart and signal across the fleet: addresses and scope resolved once
 * (targets.ts), one command per host carrying that host's selectors, all hosts in parallel,
 * each host's results streamed back together as it answers. Hosts that cannot take part get their
 * HostError at once; a slow or broken host never holds the others back.
 */
import { setMaxListeners } from 'node:events';
import type { HostScope } from '../../common/address.js';
import { FleetError } from '../../common/errors.js';
import { formatNamespec } from '../../common/namespec.js';
import type { ProcessResult } from '../../common/process-info.js';
import { AsyncQueue } from './async-queue.js';
import type { Caller } from './caller.js';
import type { CoreContext } from './core-context.js';
import { dispatch, unreachableError } from './dispatch.js';
import type { AgentCommand, ProcessAction, ProcessSelector } from './link-protocol.js';
import { recordActionBehind } from './operator-actions.js';
import { resolveTargets, selectorsFor, type HostError } from './targets.js';

export interface ControlRequest {
  scope: HostScope;
  addresses: readonly string[];
  action: ProcessAction | 'signal';
  /** For signal: a name (TERM, SIGHUP) or a number. */
  signal?: string;
  /** Wait until started or stopped, as supervisorctl does. */
  wait: boolean;
}

/** One host's part: all of its results at once, as its agent answered, or its error. */
export type ControlOutcome = { kind: 'results'; host: string; results: ProcessResult[] } | { kind: 'host-error'; error: HostError };

/**
 * Runs the action and yields outcomes as they arrive: the errors known up front first, then
 * each host's results. BAD_ADDRESS (and BAD_SIGNAL for an empty signal) fail the whole call
 * before anything is sent. Aborting `signal` stops the waiting (the agents carry on).
 */
export async function* control(ctx: CoreContext, caller: Caller, request: ControlRequest, signal: AbortSignal): AsyncGenerator<ControlOutcome> {
  if (request.action === 'signal' && !request.signal) throw new FleetError('BAD_SIGNAL', 'no signal given');
  const targets = resolveTargets({ registry: ctx.registry, view: ctx.view, caller }, request.addresses, request.scope);
  const label = request.action === 'signal' ? `signal ${request.signal}` : request.action;
  const failures: string[] = [];
  const reached = [...targets.live.map((t) => t.record.name), ...targets.unreachable.map((h) => h.name)].sort();
  const queue = new AsyncQueue<ControlOutcome>();
  const hostError = (error: HostError): void => {
    failures.push(`${error.host ? `${error.host} ` : ''}${error.code}${error.code === 'BAD_NAME' ? ` ${error.message}` : ''}`);
    queue.push({ kind: 'host-error', error });
  };

  for (const host of targets.unreachable) hostError(unreachableError(ctx, host));
  for (const error of targets.errors) hostError(error);

  const abandon = new AbortController();
  const callSignal = AbortSignal.any([signal, abandon.signal]);
  // One listener per host's command: thousands are expected, not a leak.
  setMaxListeners(0, callSignal);
  const work = Promise.all(
    targets.live.map(async (target) => {
      const command = commandFor(request, selectorsFor({ registry: ctx.registry, view: ctx.view, caller }, target));
      const outcome = await dispatch(ctx, target.record, command, callSignal);
      if (!outcome.ok) return hostError(outcome.error);
      for (const result of outcome.reply.results) {
        if (result.code !== 'SUCCESS') failures.push(`${target.record.name}/${formatNamespec(result.group, result.name)} ${result.code}`);
      }
      queue.push({ kind: 'results', host: target.record.name, results: outcome.reply.results });
    }),
  );
  const finished = work.then(
    () => queue.end(),
    (err: unknown) => queue.fail(err as Error),
  );
  let complete = false;
  try {
    yield* queue;
    complete = true;
  } finally {
    abandon.abort(new FleetError('FAILED', 'the caller went away'));
    await finished.catch(() => {});
    recordActionBehind(ctx, caller, { action: label, addresses: request.addresses.length ? request.addresses : ['all'], hosts: reached, failures, abandoned: !complete });
  }
}

function commandFor(request: ControlRequest, selectors: ProcessSelector[]): AgentCommand {
  if (request.action === 'signal') return { kind: 'signal', selectors, signal: request.signal ?? '' };
  return { kind: request.action, selectors, wait: request.wait };
}
