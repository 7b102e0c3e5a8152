/**
 * Sending one command to one host: fail fast when the host has no live, fresh stream (a stale
 * host may be gone; its caller should not wait out a timeout to learn it), wait for the reply
 * up to the command timeout, stop waiting when the caller goes away. Every failure comes back
 * as a HostError so fan-out can report it per host and carry on with the others.
 */
import { formatDuration } from '../../common/duration.js';
import { errorCodeOf, FleetError, isFleetError } from '../../common/errors.js';
import type { CoreContext } from './core-context.js';
import type { HostRecord } from './host-registry.js';
import type { AgentCommand, CommandReply } from './link-protocol.js';
import type { HostError } from './targets.js';

export type DispatchOutcome = { ok: true; reply: CommandReply } | { ok: false; error: HostError };

/** Why `record` cannot take a command now, as the HOST_UNREACHABLE error its caller sees. */
export function unreachableError(ctx: CoreContext, record: HostRecord): HostError {
  const host = record.name;
  if (record.lastSeen === 0) return { host, code: 'HOST_UNREACHABLE', message: `${host} has not connected since it was last known` };
  const silent = formatDuration(Math.max(0, ctx.clock.now() - record.lastSeen));
  const why = record.liveness === 'stale' ? `is stale (nothing heard for ${silent})` : `is disconnected (last seen ${silent} ago)`;
  return { host, code: 'HOST_UNREACHABLE', message: `${host} ${why}` };
}

export async function dispatch(ctx: CoreContext, record: HostRecord, command: AgentCommand, signal: AbortSignal): Promise<DispatchOutcome> {
  const session = record.session;
  if (!session || record.liveness !== 'connected') return { ok: false, error: unreachableError(ctx, record) };
  try {
    const reply = await session.request(command, { signal, timeoutMs: ctx.settings.commandTimeoutMs });
    if (reply.fault) return { ok: false, error: { host: record.name, code: errorCodeOf(reply.fault), message: reply.message } };
    return { ok: true, reply };
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    const error = isFleetError(err) ? err : new FleetError('INTERNAL', (err as Error).message);
    return { ok: false, error: { host: record.name, code: error.code, message: error.message } };
  }
}
