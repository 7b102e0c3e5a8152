/**
 * A failed gRPC call (grpc-transport.ts) to the FleetError that fleetctl's clients promise
 * (agent-client.ts): the server's fault name from the trailing metadata key `fleet-fault`
 * becomes the code and the status message the message; UNAUTHENTICATED becomes FAILED `Server
 * requires authentication`; a connection that could not be made or was lost becomes
 * HOST_UNREACHABLE with supervisorctl's text after the URL (`no such file`, `refused
 * connection`, `closed the connection`) and, as cause, an Error whose `code` is the errno.
 */
import { errorCodeOf, FAULT_METADATA_KEY, FleetError } from '../../common/errors.js';
import { isTlsErrorCode } from './grpc-call.js';
import { GrpcError, GrpcStatus } from './grpc-status.js';

const UNREACHABLE_TEXT: Record<string, string> = {
  ENOENT: 'no such file',
  ECONNREFUSED: 'refused connection',
  ECONNRESET: 'closed the connection',
};

/** Anything a call rejected with: GrpcErrors are mapped; anything else (an AbortSignal's reason) is returned as it is. */
export function toFleetError(err: unknown, url: string): unknown {
  if (!(err instanceof GrpcError)) return err;
  const fault = err.metadata[FAULT_METADATA_KEY];
  if (fault !== undefined && fault !== '') return new FleetError(errorCodeOf(fault), err.details);
  if (err.code === GrpcStatus.UNAUTHENTICATED) return new FleetError('FAILED', 'Server requires authentication');
  if (err.code === GrpcStatus.UNAVAILABLE || err.code === GrpcStatus.CANCELLED) {
    // CANCELLED reaches here only when the server cut the call (ours reject with the signal's reason).
    const errno = (err.cause as { code?: unknown } | undefined)?.code;
    const code = typeof errno === 'string' ? errno : err.connected ? 'ECONNRESET' : 'ECONNREFUSED';
    return new FleetError('HOST_UNREACHABLE', `${url} ${UNREACHABLE_TEXT[code] ?? code}`, {
      cause: Object.assign(new Error(err.details), { code }),
    });
  }
  return new FleetError('INTERNAL', err.details || err.message, { cause: err });
}

/** Why the controller could not be reached, by errno. */
const CONTROLLER_UNREACHABLE_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'the controller closed the connection',
  ENOTFOUND: 'no such host name',
  EAI_AGAIN: 'the host name could not be resolved now',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'no route to the host',
  ENETUNREACH: 'the network is unreachable',
};

/**
 * A failed FleetService call to the FleetError that controller-client.ts promises: the fault in
 * `fleet-fault` as the code; UNAUTHENTICATED and PERMISSION_DENIED as FAILED with the server's
 * words; a connection that failed, dropped or a deadline that passed as HOST_UNREACHABLE
 * `cannot reach the controller at ADDRESS: <why>` (cause: an Error with the errno as `code`).
 */
export function toControllerError(err: unknown, address: string): unknown {
  if (!(err instanceof GrpcError)) return err;
  const fault = err.metadata[FAULT_METADATA_KEY];
  if (fault !== undefined && fault !== '') return new FleetError(errorCodeOf(fault), err.details);
  if (err.code === GrpcStatus.UNAUTHENTICATED || err.code === GrpcStatus.PERMISSION_DENIED) {
    return new FleetError('FAILED', `the controller at ${address} refused the call: ${err.details}`);
  }
  if (err.code === GrpcStatus.UNAVAILABLE || err.code === GrpcStatus.CANCELLED || err.code === GrpcStatus.DEADLINE_EXCEEDED) {
    const errno = (err.cause as { code?: unknown } | undefined)?.code;
    const code = err.code === GrpcStatus.DEADLINE_EXCEEDED ? 'ETIMEDOUT' : typeof errno === 'string' ? errno : err.connected ? 'ECONNRESET' : 'ECONNREFUSED';
    const why =
      err.code === GrpcStatus.DEADLINE_EXCEEDED
        ? 'no answer in time'
        : /WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG/.test(code)
          ? 'it does not answer in TLS (a controller started with --insecure? then give --insecure)'
          : isTlsErrorCode(code)
            ? `its TLS certificate does not verify against the CA given (--ca, FLEET_CA or ca = in fleetctl.ini; fleet-controller's DATA/pki/ca.crt): ${err.details}`
            : (CONTROLLER_UNREACHABLE_TEXT[code] ?? err.details);
    return new FleetError('HOST_UNREACHABLE', `cannot reach the controller at ${address}: ${why}`, {
      cause: Object.assign(new Error(err.details), { code }),
    });
  }
  if (err.code === GrpcStatus.UNIMPLEMENTED) {
    return new FleetError('UNKNOWN_METHOD', `${address} does not serve fleet.v1.FleetService (is it a fleet-controller's gRPC address?): ${err.details}`);
  }
  return new FleetError('INTERNAL', err.details || err.message, { cause: err });
}
