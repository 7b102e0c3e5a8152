// Wall-clock time with sub-millisecond resolution, comparable to bash's $EPOCHREALTIME.
//
// Date.now() has 1 ms steps and performance.now() is monotonic but not wall time, so the two are
// tied together: calibrate() spins until Date.now() ticks over (at most 1 ms), notes
// performance.now() at that edge, and realNowMs() extrapolates from there. Calibrate before each
// measured run so clock slewing cannot accumulate.
import { performance } from 'node:perf_hooks';

let anchorWallMs = 0;
let anchorPerfMs = 0;

export function calibrateClock(): void {
  const start = Date.now();
  let now = start;
  while (now === start) now = Date.now();
  anchorPerfMs = performance.now();
  anchorWallMs = now;
}

/** Milliseconds since the epoch, fractional. */
export function realNowMs(): number {
  if (anchorWallMs === 0) calibrateClock();
  return anchorWallMs + (performance.now() - anchorPerfMs);
}

/** Monotonic milliseconds, for durations measured inside the harness. */
export function monoMs(): number {
  return performance.now();
}

calibrateClock();
