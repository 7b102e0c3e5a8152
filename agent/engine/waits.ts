/**
 * The waits behind the RPCs' `wait=true`, as promises that settle on a runner's state changes
 * (never by polling) and reject with the signal's reason when their AbortSignal fires. Aborting a
 * wait only stops waiting: the start or stop it waited for goes on, as in supervisord when a
 * client disconnects.
 */
import { FleetError, type ErrorCode } from '../../common/errors.js';
import { STOPPED_STATES } from '../../common/process-state.js';
import type { Edge, ProcessRunner } from '../process/process-runner.js';

type Verdict = { ok: true } | { ok: false; error: Error } | null;

/** Callbacks for each signal, behind one 'abort' listener per signal (see onAbort). */
const abortCallbacks = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls `callback` once when `signal` aborts; returns the unsubscribe function. A bulk start or
 * stop has a wait per process on one signal, and EventTarget removes a listener by walking all of
 * them (1000 waits: half a million comparisons); here each signal has a single listener and
 * removal is a Set delete.
 */
function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let callbacks = abortCallbacks.get(signal);
  if (!callbacks) {
    const set = new Set<() => void>();
    callbacks = set;
    abortCallbacks.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        abortCallbacks.delete(signal);
        for (const fn of set) fn();
      },
      { once: true },
    );
  }
  callbacks.add(callback);
  return () => void callbacks.delete(callback);
}

/** Settles when `judge` returns a verdict: first on the current state (edge null), then on each edge. */
export function watchRunner(runner: ProcessRunner, judge: (edge: Edge | null) => Verdict, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const settle = (verdict: NonNullable<Verdict>): void => {
      off();
      offAbort();
      if (verdict.ok) resolve();
      else reject(verdict.error);
    };
    const off = runner.onEdge((edge) => {
      const verdict = judge(edge);
      if (verdict) settle(verdict);
    });
    const offAbort = signal
      ? onAbort(signal, () => {
          off();
          reject(signal.reason);
        })
      : () => {};
    const now = judge(null);
    if (now) settle(now);
  });
}

/**
 * How a start ends, from startProcess's onwait: RUNNING is success; a spawn error (BACKOFF, and
 * the `Bad exit code` of an unexpected exit) is SPAWN_ERROR; leaving STARTING any other way is
 * ABNORMAL_TERMINATION.
 */
export function startVerdict(edge: Edge): ErrorCode | 'OK' | null {
  switch (edge.to) {
    case 'STARTING':
      return null;
    case 'RUNNING':
      return 'OK';
    case 'BACKOFF':
    case 'FATAL':
      return 'SPAWN_ERROR';
    case 'EXITED':
      return edge.expected ? 'ABNORMAL_TERMINATION' : 'SPAWN_ERROR';
    default:
      return 'ABNORMAL_TERMINATION';
  }
}

/** Waits until a just-started process is RUNNING, or fails with startVerdict's code. */
export function waitForStart(runner: ProcessRunner, namespec: string, signal?: AbortSignal): Promise<void> {
  return watchRunner(
    runner,
    (edge) => {
      if (edge === null) return runner.state === 'RUNNING' ? { ok: true } : null;
      const verdict = startVerdict(edge);
      if (verdict === null) return null;
      return verdict === 'OK' ? { ok: true } : { ok: false, error: new FleetError(verdict, namespec) };
    },
    signal,
  );
}

/** Waits until the process is in a stopped state (STOPPED, EXITED, FATAL, UNKNOWN). */
export function waitForStopped(runner: ProcessRunner, signal?: AbortSignal): Promise<void> {
  return watchRunner(runner, (edge) => ((edge ? STOPPED_STATES.has(edge.to) : STOPPED_STATES.has(runner.state)) ? { ok: true } : null), signal);
}
