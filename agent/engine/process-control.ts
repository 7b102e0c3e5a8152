/**
 * Start, stop and signal of one process with the RPCs' checks, faults and waits
 * (rpcinterface.py startProcess, stopProcess, signalProcess), and the same over many processes
 * with supervisord's per-process result structs (make_allfunc).
 */
import { constants as osConstants } from 'node:os';
import { FleetError, isFleetError } from '../../common/errors.js';
import type { ProcessResult } from '../../common/process-info.js';
import { RUNNING_STATES, SIGNALLABLE_STATES, STOPPED_STATES } from '../../common/process-state.js';
import type { SignalName } from '../config/types.js';
import { resolveCommand, type SpawnContext } from '../process/command.js';
import type { ProcessRunner } from '../process/process-runner.js';
import type { Rejection } from '../process/state-machine.js';
import { paced, type Waves } from './ordering.js';
import { waitForStart, waitForStopped } from './waits.js';
import { formatNamespec } from '../../common/namespec.js';

/** `name` when the process is alone in a group of the same name, else `group:name` (make_namespec). */
export function namespec(runner: ProcessRunner): string {
  return formatNamespec(runner.config.group, runner.config.name);
}

function refused(runner: ProcessRunner, rejection: Rejection): FleetError {
  const ns = namespec(runner);
  switch (rejection.reason) {
    case 'FAILED':
      return new FleetError('FAILED', runner.state === 'UNKNOWN' ? `${ns} is in an unknown process state` : rejection.message);
    case 'IGNORED':
      return new FleetError('FAILED', rejection.message);
    default:
      return new FleetError(rejection.reason, ns);
  }
}

/** Options of a start or stop: `wait` as the RPCs' (default true); aborting `signal` stops waiting only. */
export interface WaitOptions {
  wait?: boolean;
  signal?: AbortSignal;
}

/**
 * startProcess: checks the command first (NO_FILE / NOT_EXECUTABLE, nothing spawned), then
 * ALREADY_STARTED in a running state, FAILED in UNKNOWN; issues the spawn at once (the checks
 * and the request happen synchronously, when called); SPAWN_ERROR if the spawn failed; with wait,
 * settles when the process is RUNNING (SPAWN_ERROR or ABNORMAL_TERMINATION if it leaves STARTING
 * otherwise), without wait as soon as the spawn has succeeded.
 */
export function startRunner(runner: ProcessRunner, ctx: SpawnContext, wait: boolean, signal?: AbortSignal): Promise<void> {
  try {
    resolveCommand(runner.config, ctx);
  } catch (err) {
    return Promise.reject(err);
  }
  const ns = namespec(runner);
  const result = runner.dispatch({ type: 'start' });
  if (!result.ok) return Promise.reject(refused(runner, result));
  if (runner.snapshot.spawnerr) return Promise.reject(new FleetError('SPAWN_ERROR', ns));
  if (wait) return runner.state === 'RUNNING' ? Promise.resolve() : waitForStart(runner, ns, signal);
  return runner.spawnSettled().then((created) => {
    if (!created) throw new FleetError('SPAWN_ERROR', ns);
  });
}

/**
 * stopProcess: NOT_RUNNING unless STARTING, RUNNING, BACKOFF or waiting out the crash-loop guard
 * (isStoppable); sends stopsignal at once; FAILED
 * if the OS refused it (the process is then UNKNOWN); with wait, settles in a stopped state.
 */
export function stopRunner(runner: ProcessRunner, wait: boolean, signal?: AbortSignal): Promise<void> {
  const ns = namespec(runner);
  if (!isStoppable(runner)) return Promise.reject(new FleetError('NOT_RUNNING', ns));
  const pid = runner.snapshot.pid;
  const result = runner.dispatch({ type: 'stop', report: wait });
  if (!result.ok) return Promise.reject(refused(runner, result));
  if (runner.state === 'UNKNOWN') {
    return Promise.reject(new FleetError('FAILED', `unknown problem killing ${runner.config.name} (${pid})`));
  }
  if (!wait || STOPPED_STATES.has(runner.state)) return Promise.resolve();
  return waitForStopped(runner, signal);
}

/** BAD_SIGNAL unless Node knows the signal by this name. */
export function checkSignal(signal: SignalName): void {
  if (!(signal in osConstants.signals)) throw new FleetError('BAD_SIGNAL', signal);
}

/** signalProcess: NOT_RUNNING unless STARTING, RUNNING or STOPPING; FAILED if the OS refused. */
export function signalRunner(runner: ProcessRunner, signal: SignalName): void {
  checkSignal(signal);
  const ns = namespec(runner);
  if (!SIGNALLABLE_STATES.has(runner.state)) throw new FleetError('NOT_RUNNING', ns);
  const pid = runner.snapshot.pid;
  const result = runner.dispatch({ type: 'signal', signal });
  if (!result.ok) throw refused(runner, result);
  if (runner.state === 'UNKNOWN') throw new FleetError('FAILED', `unknown problem sending sig ${runner.config.name} (${pid})`);
}

/** clearProcessLogs: deletes and reopens both logs; FAILED naming the process if a file cannot be. */
export function clearRunnerLogs(runner: ProcessRunner): void {
  try {
    runner.logs.stdout.clear();
    runner.logs.stderr?.clear();
  } catch (err) {
    throw new FleetError('FAILED', namespec(runner), { cause: err });
  }
}

/** clearAllProcessLogs' struct for one process. */
export function clearResult(runner: ProcessRunner): ProcessResult {
  try {
    clearRunnerLogs(runner);
    return success(runner);
  } catch (err) {
    return failure(runner, err as FleetError);
  }
}

function success(runner: ProcessRunner): ProcessResult {
  return { name: runner.config.name, group: runner.config.group, code: 'SUCCESS', description: 'OK' };
}

function failure(runner: ProcessRunner, err: FleetError): ProcessResult {
  return { name: runner.config.name, group: runner.config.group, code: err.code, description: err.faultString };
}

/**
 * Runs `op` on every runner `applies` to, in order and paced in batches (and `waves`, see
 * paced), then waits for all.
 * Results come in the order the operations finish, as supervisord's make_allfunc collects them.
 * A FleetError is that process's result; anything else (an abort) rejects the whole call.
 */
export async function forEachProcess(
  runners: readonly ProcessRunner[],
  applies: (runner: ProcessRunner) => boolean,
  op: (runner: ProcessRunner) => Promise<void>,
  batch: number,
  signal?: AbortSignal,
  waves?: Waves<ProcessRunner>,
): Promise<ProcessResult[]> {
  const results: ProcessResult[] = [];
  const pending: Promise<void>[] = [];
  try {
    await paced(runners, batch, (runner) => {
      signal?.throwIfAborted();
      if (!applies(runner)) return false;
      pending.push(
        op(runner).then(
          () => void results.push(success(runner)),
          (err: unknown) => {
            if (!isFleetError(err)) throw err;
            results.push(failure(runner, err));
          },
        ),
      );
      return true;
    }, waves);
  } catch (err) {
    await Promise.allSettled(pending); // the waits share the aborted signal: they settle at once
    throw err;
  }
  await Promise.all(pending);
  return results;
}

export const isRunning = (runner: ProcessRunner): boolean => RUNNING_STATES.has(runner.state);
/** What a stop applies to: the running states, and an EXITED process whose crash-loop restart is pending. */
export const isStoppable = (runner: ProcessRunner): boolean => isRunning(runner) || runner.snapshot.restartPending;
export const isNotRunning = (runner: ProcessRunner): boolean => !RUNNING_STATES.has(runner.state);
export const isSignallable = (runner: ProcessRunner): boolean => SIGNALLABLE_STATES.has(runner.state);
