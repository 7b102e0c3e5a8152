/**
 * The one gate every call to the controller's gRPC server passes before its handler runs:
 * gateService() wraps every method of a service, the gate admits the call (or ends it with
 * UNAUTHENTICATED, PERMISSION_DENIED or RATE_LIMITED before the handler sees anything), and the
 * handler reads the admitted Caller with callerOf(call). No method can skip it: a service is
 * added to the server only through gateService (grpc-server.ts), and a path missing from
 * controller/auth/rpc-roles.ts is refused.
 *
 * - insecure mode (openGate): every call is `anonymous` with no limit.
 * - secure mode (tokenGate): the bearer token in `authorization: Bearer fvt_...`, or for
 *   `agent` methods the host name of the agent's client certificate.
 */
import type { Metadata } from '@grpc/grpc-js';
import { FleetError } from '../../common/errors.js';
import { toServiceError } from '../../proto/fault-status.js';
import type { GenericService, GrpcServiceImplementation } from '../../proto/grpc-js.js';
import { requirementOf, type AccessControl } from '../auth/access-control.js';
import { originHost } from '../auth/failure-limiter.js';
import { anonymousCaller, type Caller } from '../core/caller.js';

/** What the gate reads of any grpc-js server call (grpc-js does not export its ServerSurfaceCall type). */
export interface ServerSurfaceCall {
  getPath(): string;
  getPeer(): string;
  readonly metadata: Metadata;
  /** Set by grpc-js when the client cancelled. */
  readonly cancelled?: boolean;
}

export interface CallGate {
  /** The Caller of `call`, or a FleetError refusing it. */
  admit(call: ServerSurfaceCall): Promise<Caller>;
}

/**
 * The host identity the transport authenticated for a call (the agent's client certificate
 * under mutual TLS), or null; a FleetError refuses the call (a revoked certificate).
 */
export type AgentIdentityOf = (call: ServerSurfaceCall) => string | null | Promise<string | null>;

/** Insecure mode: everyone is anonymous, with no limit. */
export function openGate(): CallGate {
  return { admit: async (call) => anonymousCaller(call.getPeer()) };
}

/** Secure mode: tokens for clients, client certificates for agents. */
export function tokenGate(access: AccessControl, agentIdentityOf?: AgentIdentityOf): CallGate {
  return {
    async admit(call) {
      const path = call.getPath();
      const peer = call.getPeer();
      // Only agent methods look at the certificate; a client's call never depends on it.
      const agentHost = requirementOf(path) === 'agent' && agentIdentityOf ? await agentIdentityOf(call) : null;
      const caller = await access.admit(path, { bearer: bearerOf(call.metadata), origin: originHost(peer), agentHost, addresses: addressesOf(call) });
      return { ...caller, origin: peer };
    },
  };
}

/**
 * The token of `authorization: Bearer <token>`; '' for another scheme or a malformed header
 * (refused as a bad token), null when the header is absent.
 */
export function bearerOf(metadata: Metadata): string | null {
  const values = metadata.get('authorization');
  if (values.length === 0) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(String(values[0]));
  return m ? m[1]! : '';
}

/** The `addresses` of a decoded request (unary and server-streaming calls have theirs by now), for the audit row of a refusal. */
function addressesOf(call: ServerSurfaceCall): readonly string[] {
  const addresses = (call as { request?: { addresses?: unknown } }).request?.addresses;
  return Array.isArray(addresses) ? addresses.filter((a): a is string => typeof a === 'string') : [];
}

const admitted = new WeakMap<object, Caller>();

/** The Caller the gate admitted for `call`; INTERNAL for a call that did not pass the gate (a bug). */
export function callerOf(call: ServerSurfaceCall): Caller {
  const caller = admitted.get(call);
  if (!caller) throw new FleetError('INTERNAL', `${call.getPath()} reached its handler without passing the call gate`);
  return caller;
}

/** `impl` with every method behind `gate`. */
export function gateService<S extends GenericService>(service: S, impl: GrpcServiceImplementation<S>, gate: CallGate): GrpcServiceImplementation<S> {
  const gated: Record<string, unknown> = {};
  for (const [key, method] of Object.entries(service.methods)) {
    const handler = (impl as Record<string, (...args: unknown[]) => void>)[key]!;
    // Server and bidi streams end with a refusal as their status (a bidi stream's messages wait
    // in the call's buffer until the handler reads them); unary and client streams answer it.
    gated[key] = method.responseStream
      ? (call: ServerSurfaceCall & NodeJS.EventEmitter) => pass(gate, call, () => handler(call), (err) => call.emit('error', err))
      : (call: ServerSurfaceCall, callback: (err: unknown) => void) => pass(gate, call, () => handler(call, callback), callback);
  }
  return gated as GrpcServiceImplementation<S>;
}

function pass(gate: CallGate, call: ServerSurfaceCall, handle: () => void, refuse: (err: unknown) => void): void {
  gate
    .admit(call)
    .then((caller) => {
      // A client that went away while the gate looked (its 'cancelled' event is past) gets no
      // handler: a following stream would otherwise run on for nobody.
      if (call.cancelled) return;
      admitted.set(call, caller);
      handle();
    })
    .catch((err: unknown) => refuse(toServiceError(err)));
}
