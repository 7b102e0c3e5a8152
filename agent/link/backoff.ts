/**
 * How long the link waits before dialling the controller again: exponential steps with equal
 * jitter (half of each step fixed, half random), so agents that lost the same controller do not
 * all come back in the same instant, and none waits less than half a step. Pure: the caller
 * passes the attempt number and its random source.
 */
export interface BackoffPolicy {
  /** The first step. */
  initialMs: number;
  /** Steps stop growing here. */
  maxMs: number;
}

export const LINK_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000 };

/** The delay before attempt `attempt` (0 for the first retry); `rand` returns [0, 1). */
export function backoffDelay(attempt: number, policy: BackoffPolicy, rand: () => number): number {
  const step = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(step / 2 + (rand() * step) / 2);
}
