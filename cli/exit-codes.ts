/**
 * fleetctl's exit codes: supervisorctl's LSB values (reference 3.1), and the one table that
 * turns a FleetError code into an exit code, as supervisorctl's set_exitstatus_from_xmlrpc_fault
 * does. Commands never pick a number for a fault themselves; they ask `exitForFault`.
 */
import type { ErrorCode } from '../common/errors.js';

/** LSB init-script exit codes (supervisorctl's LSBInitExitStatuses). */
export const Exit = {
  SUCCESS: 0,
  GENERIC: 1,
  INVALID_ARGS: 2,
  UNIMPLEMENTED_FEATURE: 3,
  INSUFFICIENT_PRIVILEGES: 4,
  NOT_INSTALLED: 5,
  NOT_RUNNING: 7,
} as const;

/** LSB status-action exit codes, used by `status` only (supervisorctl's LSBStatusExitStatuses). */
export const StatusExit = {
  /** Something listed is STOPPED, EXITED, FATAL or UNKNOWN. */
  NOT_RUNNING: 3,
  /** An unknown name, or no agent to ask. */
  UNKNOWN: 4,
} as const;

/**
 * Every fault's exit code when a command reports it for a process. The "dead program" faults
 * (the process is not running) are LSB's 7; everything else is the generic 1. The transport
 * code HOST_UNREACHABLE is listed for completeness: the connection check (session.ts) chooses
 * 4 (refused) or 7 (no socket file) itself, as supervisorctl's upcheck does.
 */
const FAULT_EXIT: Record<ErrorCode, number> = {
  UNKNOWN_METHOD: Exit.GENERIC,
  INCORRECT_PARAMETERS: Exit.GENERIC,
  BAD_ARGUMENTS: Exit.GENERIC,
  SIGNATURE_UNSUPPORTED: Exit.GENERIC,
  SHUTDOWN_STATE: Exit.GENERIC,
  BAD_NAME: Exit.GENERIC,
  BAD_SIGNAL: Exit.GENERIC,
  NO_FILE: Exit.GENERIC,
  NOT_EXECUTABLE: Exit.GENERIC,
  FAILED: Exit.GENERIC,
  ABNORMAL_TERMINATION: Exit.NOT_RUNNING,
  SPAWN_ERROR: Exit.NOT_RUNNING,
  ALREADY_STARTED: Exit.GENERIC,
  NOT_RUNNING: Exit.NOT_RUNNING,
  ALREADY_ADDED: Exit.GENERIC,
  STILL_RUNNING: Exit.GENERIC,
  CANT_REREAD: Exit.GENERIC,
  BAD_ADDRESS: Exit.GENERIC,
  HOST_UNREACHABLE: Exit.INSUFFICIENT_PRIVILEGES,
  CONFIG_INVALID: Exit.GENERIC,
  NO_SUCH_HOST: Exit.GENERIC,
  RATE_LIMITED: Exit.GENERIC,
  UNAUTHENTICATED: Exit.INSUFFICIENT_PRIVILEGES,
  PERMISSION_DENIED: Exit.INSUFFICIENT_PRIVILEGES,
  INTERNAL: Exit.GENERIC,
};

/**
 * The exit status after a per-process result: `current` stays when the result succeeded or is
 * the fault the command tolerates (ALREADY_STARTED for start, NOT_RUNNING for stop).
 */
export function exitForFault(current: number, code: 'SUCCESS' | ErrorCode, ignored?: ErrorCode): number {
  if (code === 'SUCCESS' || code === ignored) return current;
  return FAULT_EXIT[code];
}
