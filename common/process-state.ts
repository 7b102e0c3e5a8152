/**
 * Process states with Supervisor's numeric codes (supervisor/states.py). This is the one home
 * of the state names; the state machine in agent/process decides the edges between them.
 */
export const ProcessStates = {
  STOPPED: 0,
  STARTING: 10,
  RUNNING: 20,
  BACKOFF: 30,
  STOPPING: 40,
  EXITED: 100,
  FATAL: 200,
  UNKNOWN: 1000,
} as const;

export type ProcessState = keyof typeof ProcessStates;

/** States in which a process counts as running: start says ALREADY_STARTED, status exits 0. */
export const RUNNING_STATES: ReadonlySet<ProcessState> = new Set(['STARTING', 'RUNNING', 'BACKOFF']);
/** States in which a process counts as stopped: status exits 3 when one is listed. */
export const STOPPED_STATES: ReadonlySet<ProcessState> = new Set(['STOPPED', 'EXITED', 'FATAL', 'UNKNOWN']);
/** States in which a process may be sent a signal. */
export const SIGNALLABLE_STATES: ReadonlySet<ProcessState> = new Set(['STARTING', 'RUNNING', 'STOPPING']);

export function processStateCode(state: ProcessState): number {
  return ProcessStates[state];
}
