/**
 * The audit trail of mutating calls: who (the caller), from where, what, on which addresses
 * and hosts, and how it went. Recorded once the call's outcome is known, then published on the
 * event bus. A store failure here is logged, never turned into a failure of a call whose
 * commands were already carried out.
 */
import type { Caller } from './caller.js';
import type { CoreContext } from './core-context.js';

export interface ActionRecord {
  action: string;
  addresses: readonly string[];
  hosts: readonly string[];
  /** One line per failure (`web-1/app SPAWN_ERROR`); empty when everything succeeded. */
  failures: readonly string[];
  /** Set when the caller went away before every host had answered. */
  abandoned?: boolean;
}

/** At most this many failures are spelled out in the result column. */
const LISTED_FAILURES = 10;

export function summarizeResult(record: ActionRecord): string {
  const { failures } = record;
  let text = failures.length === 0 ? 'ok' : `${failures.length} failed: ${failures.slice(0, LISTED_FAILURES).join('; ')}`;
  if (failures.length > LISTED_FAILURES) text += `; and ${failures.length - LISTED_FAILURES} more`;
  if (record.abandoned) text += ' (the caller went away before every host answered)';
  return text;
}

/**
 * Records the action of a command that has answered, without holding up its answer: the store
 * may be busy writing a fleet's worth of transitions, and the caller's results do not depend on
 * the record (a store failure is only logged). History queries wait for it (ctx.actions), so the
 * history an operator reads next has their command in it.
 */
export function recordActionBehind(ctx: CoreContext, caller: Caller, record: ActionRecord): void {
  ctx.actions.track(recordOperatorAction(ctx, caller, record));
}

export async function recordOperatorAction(ctx: CoreContext, caller: Caller, record: ActionRecord): Promise<void> {
  const action = {
    time: ctx.clock.now(),
    who: caller.who,
    origin: caller.origin,
    action: record.action,
    addresses: [...record.addresses],
    hosts: [...record.hosts],
    result: summarizeResult(record),
  };
  try {
    const id = await ctx.store.recordAction({ ...action, tokenId: caller.tokenId });
    ctx.bus.publish({ kind: 'action', id, ...action });
  } catch (err) {
    ctx.log.error(`cannot record ${caller.who}'s ${record.action} on ${record.addresses.join(' ')}: ${(err as Error).message}`);
  }
}
