import type { Autorestart } from '../config/types.js';

/**
 * The three decisions of supervisord's process.py that depend on time or on counters, kept apart
 * from the state machine so each can be read and tested on its own. Times are epoch milliseconds
 * and always come in as arguments; nothing here reads a clock.
 */

/**
 * How a process that exited while STARTING (or RUNNING) is judged, from Subprocess.finish():
 * `too-quick` when it lived less than `startsecs` (strict `<`, so startsecs=0 is never too
 * quick), `stayed-up` otherwise. A start time in the future (the clock went back) counts as
 * `stayed-up` with `clockWentBack` set, which supervisord logs as a warning.
 */
export function judgeExit(
  laststart: number,
  now: number,
  startsecs: number,
): { verdict: 'too-quick' | 'stayed-up'; clockWentBack: boolean } {
  if (now < laststart) return { verdict: 'stayed-up', clockWentBack: true };
  return { verdict: now - laststart < startsecs * 1000 ? 'too-quick' : 'stayed-up', clockWentBack: false };
}

/**
 * Whether a STARTING process has stayed up long enough to be RUNNING: strictly more than
 * `startsecs` seconds since the spawn (Subprocess.transition). When not yet, `waitMs` is the
 * smallest wait after which it will be (1 ms past the boundary, because the test is strict).
 * A clock that went back restarts the wait from `now`, as _check_and_adjust_for_system_clock_rollback does.
 */
export function startupElapsed(
  laststart: number,
  now: number,
  startsecs: number,
): { running: true } | { running: false; waitMs: number; laststart: number } {
  const needed = startsecs * 1000;
  if (now < laststart) return { running: false, waitMs: needed + 1, laststart: now };
  const elapsed = now - laststart;
  if (elapsed > needed) return { running: true };
  return { running: false, waitMs: needed - elapsed + 1, laststart };
}

/**
 * The BACKOFF decision after the `backoff`-th failed start in a row: give up (FATAL) once the
 * counter exceeds `startretries` (so 1 + startretries spawns in all), else retry `backoff`
 * seconds after entering BACKOFF (1 s, 2 s, 3 s...).
 */
export function backoffDecision(backoff: number, startretries: number): { giveUp: true } | { giveUp: false; delayMs: number } {
  if (backoff > startretries) return { giveUp: true };
  return { giveUp: false, delayMs: backoff * 1000 };
}

/**
 * Whether an exit from RUNNING is followed by a restart. `autorestart` applies only there; while
 * the agent shuts down (or reloads) nothing restarts. See autorestartDelay for when.
 */
export function shouldAutorestart(autorestart: Autorestart, expected: boolean, shuttingDown: boolean): boolean {
  if (shuttingDown) return false;
  if (autorestart === 'true') return true;
  if (autorestart === 'unexpected') return !expected;
  return false;
}

/** The crash-loop guard: at most one autorestart per process per this many ms. */
export const MIN_RESTART_INTERVAL_MS = 1000;

/**
 * How long an autorestart waits after the exit. A process that ran for a second or more is
 * restarted at once (the event-driven agent spawns on the exit report, where supervisord waits for
 * its next 1 s tick). One that lived less (only possible with startsecs=0, otherwise it went to
 * BACKOFF) is restarted 1 s after its previous spawn: the rate supervisord's tick gives a crash
 * loop (issues #1285, #405), instead of hundreds of spawns a second.
 */
export function autorestartDelay(laststart: number, now: number): number {
  const lived = now - laststart;
  return lived >= 0 && lived < MIN_RESTART_INTERVAL_MS ? MIN_RESTART_INTERVAL_MS - lived : 0;
}
