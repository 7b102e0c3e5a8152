import type { ExitStatus } from './spawner.js';

/**
 * supervisord's view of a wait status (options.decode_wait_status): the number it stores as
 * `exitstatus` (0-255 for a normal exit, -1 for death by a signal) and the text it logs.
 */
export interface DecodedExit {
  exitstatus: number;
  /** `exit status 3`, `terminated by SIGKILL`, `terminated by SIGSEGV (core dumped)`. */
  text: string;
}

export function decodeExit(status: ExitStatus): DecodedExit {
  if (status.signal === null) return { exitstatus: status.code, text: `exit status ${status.code}` };
  return {
    exitstatus: -1,
    text: `terminated by ${status.signal}${status.coreDumped ? ' (core dumped)' : ''}`,
  };
}

/** Whether an exit counts as expected: its exit status is listed in `exitcodes` (a signal death never is). */
export function isExpectedExit(status: ExitStatus, exitcodes: readonly number[]): boolean {
  return exitcodes.includes(decodeExit(status).exitstatus);
}
