/**
 * The part every control call shares, in one place: the credentials check, supervisord's
 * SHUTDOWN_STATE refusal while the agent is stopping or restarting, an AbortSignal that fires
 * when the client goes away, and errors mapped to a gRPC status once (proto/fault-status.ts).
 * Handlers are plain async functions (unary) or async iterables (server streams) over the
 * request and that signal.
 */
import { once } from 'node:events';
import type { handleServerStreamingCall, handleUnaryCall, ServerWritableStream } from '@grpc/grpc-js';
import { FleetError } from '../../common/errors.js';
import type { Authorizer } from './auth.js';
import { toServiceError, unauthenticated } from '../../proto/fault-status.js';

export interface CallGuard {
  authorize: Authorizer;
  /** Throws SHUTDOWN_STATE unless the agent is RUNNING (supervisord's _update, on every call). */
  checkState(): void;
  /** Aborted when the server closes: open streams end with SHUTDOWN_STATE. */
  closing: AbortSignal;
}

export function unary<Req, Res>(guard: CallGuard, handler: (request: Req, signal: AbortSignal) => Res | Promise<Res>): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    if (!guard.authorize(call.metadata)) {
      callback(unauthenticated());
      return;
    }
    const client = new AbortController();
    call.on('cancelled', () => client.abort(new FleetError('FAILED', 'the client cancelled the call')));
    Promise.resolve()
      .then(() => {
        guard.checkState();
        return handler(call.request, client.signal);
      })
      .then(
        (response) => callback(null, response),
        (err: unknown) => {
          if (!client.signal.aborted) callback(toServiceError(err));
        },
      );
  };
}

/**
 * A server stream: messages are written as the handler yields them, waiting for `drain` when
 * grpc-js's buffer is full (so a slow client slows the producer down, never the agent's memory).
 * The handler's signal fires when the client cancels or the server closes.
 */
export function serverStream<Req, Res>(
  guard: CallGuard,
  handler: (request: Req, signal: AbortSignal) => AsyncIterable<Res>,
): handleServerStreamingCall<Req, Res> {
  return (call) => {
    if (!guard.authorize(call.metadata)) {
      call.emit('error', unauthenticated());
      return;
    }
    const client = new AbortController();
    call.on('cancelled', () => client.abort());
    const signal = AbortSignal.any([client.signal, guard.closing]);
    void pump(call, guard, handler, signal).then(
      () => {
        if (client.signal.aborted) return;
        if (guard.closing.aborted) call.emit('error', toServiceError(new FleetError('SHUTDOWN_STATE', 'server shutting down')));
        else call.end();
      },
      (err: unknown) => {
        if (!client.signal.aborted) call.emit('error', toServiceError(err));
      },
    );
  };
}

async function pump<Req, Res>(
  call: ServerWritableStream<Req, Res>,
  guard: CallGuard,
  handler: (request: Req, signal: AbortSignal) => AsyncIterable<Res>,
  signal: AbortSignal,
): Promise<void> {
  guard.checkState();
  for await (const message of handler(call.request, signal)) {
    if (signal.aborted) return;
    if (!call.write(message)) {
      try {
        await once(call, 'drain', { signal });
      } catch {
        return; // aborted while waiting
      }
    }
  }
}
