import type { ProcessState } from '../../common/process-state.js';
import type { ExitStatus } from './spawner.js';

/**
 * What the engine reports as it runs. Subscribers: the child registry in state_dir (spawned,
 * reaped), the activity log, and later the controller link and event listeners (transition).
 * `time` is epoch milliseconds.
 */
export type EngineEvent =
  | {
      type: 'transition';
      group: string;
      name: string;
      from: ProcessState;
      to: ProcessState;
      pid: number;
      time: number;
      /** Consecutive failed starts (BACKOFF counter) at the time of the edge. */
      tries: number;
      /** For edges out of an exit: whether the exit status was in exitcodes. */
      expected?: boolean;
    }
  | { type: 'spawned'; group: string; name: string; pid: number; time: number }
  | { type: 'exited'; group: string; name: string; pid: number; time: number; status: ExitStatus; expected: boolean }
  /** Groups or processes were added, removed or replaced (add, remove, update): lists of processes are out of date. */
  | { type: 'groups'; time: number };

export interface EngineEventSink {
  emit(event: EngineEvent): void;
}
