/**
 * The error catalog: stable string codes shared by the agent, the controller and fleetctl.
 * The set follows Supervisor's Faults (supervisor/xmlrpc.py); each edge (gRPC status, CLI exit
 * code) maps codes in one table of its own.
 */
export const ErrorCodes = {
  UNKNOWN_METHOD: 1,
  INCORRECT_PARAMETERS: 2,
  BAD_ARGUMENTS: 3,
  SIGNATURE_UNSUPPORTED: 4,
  SHUTDOWN_STATE: 6,
  BAD_NAME: 10,
  BAD_SIGNAL: 11,
  NO_FILE: 20,
  NOT_EXECUTABLE: 21,
  FAILED: 30,
  ABNORMAL_TERMINATION: 40,
  SPAWN_ERROR: 50,
  ALREADY_STARTED: 60,
  NOT_RUNNING: 70,
  ALREADY_ADDED: 90,
  STILL_RUNNING: 91,
  CANT_REREAD: 92,
  // fleetvisor's own codes (no Supervisor fault number).
  BAD_ADDRESS: 1001,
  HOST_UNREACHABLE: 1002,
  CONFIG_INVALID: 1003,
  /** A host named literally (or matched by a glob or label selector) that the controller does not know. */
  NO_SUCH_HOST: 1004,
  /** Too many attempts in a short time (an agent reconnecting in a loop, a certificate renewed too early); the message says when to retry. */
  RATE_LIMITED: 1005,
  /** No credentials, or credentials the controller does not accept (unknown, expired, revoked token; no client certificate). */
  UNAUTHENTICATED: 1006,
  /** Valid credentials whose role or scope does not allow the call. */
  PERMISSION_DENIED: 1007,
  INTERNAL: 1999,
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

/** The gRPC trailing-metadata key that carries an ErrorCode across the wire (agent and controller APIs). */
export const FAULT_METADATA_KEY = 'fleet-fault';

export class FleetError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FleetError';
  }

  /** Supervisor's faultString form: `NAME` or `NAME: detail`. */
  get faultString(): string {
    return this.message ? `${this.code}: ${this.message}` : this.code;
  }
}

export function isFleetError(err: unknown, code?: ErrorCode): err is FleetError {
  return err instanceof FleetError && (code === undefined || err.code === code);
}

/** A fault name from the wire as an ErrorCode; a name this build does not know reads as FAILED. */
export function errorCodeOf(name: string): ErrorCode {
  return Object.hasOwn(ErrorCodes, name) ? (name as ErrorCode) : 'FAILED';
}
