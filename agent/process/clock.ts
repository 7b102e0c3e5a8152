/**
 * Time as the engine sees it: the wall clock for timestamps (epoch ms, shown in status and sent
 * to the controller) and one-shot timers for the state machine's deadlines. Injected so that no
 * production code needs a test hook; the system clock is the default everywhere.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls `fn` once after `ms`; the handle is only ever given back to clearTimer. */
  setTimer(fn: () => void, ms: number): unknown;
  /** Cancels a timer that has not fired. Harmless for one that already fired. */
  clearTimer(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
