/**
 * FleetError codes on the wire: the one table from error code to gRPC status, and the error a
 * handler fails with. The code itself travels in the trailing metadata key `fleet-fault` and the
 * detail as the status message, so clients never parse message text; the status is for generic
 * gRPC tooling (grpcurl, dashboards) and follows the usual meaning of each status.
 */
import { Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import { FAULT_METADATA_KEY, FleetError, type ErrorCode } from '../common/errors.js';


const STATUS_OF: Record<ErrorCode, Status> = {
  UNKNOWN_METHOD: Status.UNIMPLEMENTED,
  INCORRECT_PARAMETERS: Status.INVALID_ARGUMENT,
  BAD_ARGUMENTS: Status.INVALID_ARGUMENT,
  SIGNATURE_UNSUPPORTED: Status.UNIMPLEMENTED,
  SHUTDOWN_STATE: Status.UNAVAILABLE,
  BAD_NAME: Status.NOT_FOUND,
  BAD_SIGNAL: Status.INVALID_ARGUMENT,
  NO_FILE: Status.NOT_FOUND,
  NOT_EXECUTABLE: Status.FAILED_PRECONDITION,
  FAILED: Status.ABORTED,
  ABNORMAL_TERMINATION: Status.ABORTED,
  SPAWN_ERROR: Status.ABORTED,
  ALREADY_STARTED: Status.ALREADY_EXISTS,
  NOT_RUNNING: Status.FAILED_PRECONDITION,
  ALREADY_ADDED: Status.ALREADY_EXISTS,
  STILL_RUNNING: Status.FAILED_PRECONDITION,
  CANT_REREAD: Status.FAILED_PRECONDITION,
  BAD_ADDRESS: Status.INVALID_ARGUMENT,
  HOST_UNREACHABLE: Status.UNAVAILABLE,
  CONFIG_INVALID: Status.FAILED_PRECONDITION,
  NO_SUCH_HOST: Status.NOT_FOUND,
  RATE_LIMITED: Status.RESOURCE_EXHAUSTED,
  UNAUTHENTICATED: Status.UNAUTHENTICATED,
  PERMISSION_DENIED: Status.PERMISSION_DENIED,
  INTERNAL: Status.INTERNAL,
};

export function statusOf(code: ErrorCode): Status {
  return STATUS_OF[code];
}

/**
 * The error a handler answers with: a FleetError keeps its code and message; anything else is a
 * bug and becomes INTERNAL with its message (the agent keeps running).
 */
export function toServiceError(err: unknown): Partial<ServiceError> {
  const fault = err instanceof FleetError ? err : new FleetError('INTERNAL', err instanceof Error ? err.message : String(err));
  const metadata = new Metadata();
  metadata.set(FAULT_METADATA_KEY, fault.code);
  return { code: STATUS_OF[fault.code], details: fault.message, metadata };
}

/** Calls without valid credentials: no fault code, as supervisord answers HTTP 401 before any method runs. */
export function unauthenticated(): Partial<ServiceError> {
  return { code: Status.UNAUTHENTICATED, details: 'Server requires authentication', metadata: new Metadata() };
}
