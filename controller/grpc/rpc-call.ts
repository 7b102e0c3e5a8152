/**
 * What every client call (FleetService, AdminService) shares: the Caller the call gate admitted
 * (call-gate.ts: who, from where, within which scope; the role was checked there), an
 * AbortSignal that fires when the client goes away, errors mapped to a status with the fault
 * name in `fleet-fault` once, and server streams written with backpressure. A stream cut by the
 * controller's shutdown ends with UNAVAILABLE `server shutting down`.
 */
import { once } from 'node:events';
import type { handleServerStreamingCall, handleUnaryCall, ServerWritableStream } from '@grpc/grpc-js';
import { toServiceError } from '../../proto/fault-status.js';
import { FleetError } from '../../common/errors.js';
import type { Caller } from '../core/caller.js';
import { callerOf } from './call-gate.js';

export interface CallGuard {
  /** Aborted when the controller closes. */
  closing: AbortSignal;
}

export function unary<Req, Res>(guard: CallGuard, handler: (request: Req, caller: Caller, signal: AbortSignal) => Res | Promise<Res>): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const client = new AbortController();
    call.on('cancelled', () => client.abort(new FleetError('FAILED', 'the client cancelled the call')));
    Promise.resolve()
      .then(() => handler(call.request, callerOf(call), client.signal))
      .then(
        (response) => callback(null, response),
        (err: unknown) => {
          if (!client.signal.aborted) callback(toServiceError(err));
        },
      );
  };
}

export function serverStream<Req, Res>(
  guard: CallGuard,
  handler: (request: Req, caller: Caller, signal: AbortSignal) => AsyncIterable<Res>,
): handleServerStreamingCall<Req, Res> {
  return (call) => {
    const client = new AbortController();
    call.on('cancelled', () => client.abort(new FleetError('FAILED', 'the client cancelled the call')));
    void pump(call, guard, handler, client.signal).then(
      () => {
        if (client.signal.aborted) return;
        if (guard.closing.aborted) call.emit('error', toServiceError(new FleetError('SHUTDOWN_STATE', 'server shutting down')));
        else call.end();
      },
      (err: unknown) => {
        if (client.signal.aborted) return;
        call.emit('error', toServiceError(guard.closing.aborted ? new FleetError('SHUTDOWN_STATE', 'server shutting down') : err));
      },
    );
  };
}

async function pump<Req, Res>(
  call: ServerWritableStream<Req, Res>,
  guard: CallGuard,
  handler: (request: Req, caller: Caller, signal: AbortSignal) => AsyncIterable<Res>,
  signal: AbortSignal,
): Promise<void> {
  const caller = callerOf(call);
  for await (const message of handler(call.request, caller, signal)) {
    if (signal.aborted) return;
    if (!call.write(message)) {
      try {
        await once(call, 'drain', { signal });
      } catch {
        return; // the client went away while we waited
      }
    }
  }
}
