/**
 * The agent's shutdown (and reload) sequence, as supervisord's runforever does it in its
 * SHUTDOWN/RESTARTING mood: every process stops restarting at once; then groups are stopped one
 * at a time in reverse priority order, each completely stopped before the next, every process
 * of a group signalled together (BACKOFF ones given up to FATAL); meanwhile
 * `waiting for a, b to die` is logged every 3 s. The reporting timer exists only here.
 */
import { STOPPED_STATES } from '../../common/process-state.js';
import type { Logger } from '../logs/logger.js';
import type { Clock } from '../process/clock.js';
import type { ProcessRunner } from '../process/process-runner.js';
import { byPriority } from './ordering.js';
import type { ProcessGroup } from './process-group.js';
import { waitForStopped } from './waits.js';

/** supervisord throttles the shutdown report to once every 3 s (Supervisor.shutdown_report). */
export const SHUTDOWN_REPORT_INTERVAL_MS = 3000;

export interface ShutdownContext {
  /** The groups at the time shutdown began. */
  groups: readonly ProcessGroup[];
  logger: Logger;
  clock: Clock;
  /** Aborting stops waiting; what was signalled stays signalled. */
  signal?: AbortSignal;
}

/** ProcessGroupBase.stop_all: signal every running process of the group, highest priority first. */
export function stopGroupForShutdown(group: ProcessGroup): void {
  for (const runner of [...group.runners].reverse()) {
    if (runner.state === 'RUNNING' || runner.state === 'STARTING') runner.dispatch({ type: 'stop', report: false });
    else if (runner.state === 'BACKOFF') runner.dispatch({ type: 'give-up' });
  }
}

export async function shutdownGroups(ctx: ShutdownContext): Promise<void> {
  const { logger, clock, signal } = ctx;
  const all: ProcessRunner[] = ctx.groups.flatMap((g) => g.runners);
  for (const runner of all) runner.dispatch({ type: 'shutdown' });

  let reportTimer: unknown = null;
  const report = (): void => {
    const unstopped = all.filter((r) => !STOPPED_STATES.has(r.state));
    if (unstopped.length > 0) {
      logger.info(`waiting for ${unstopped.map((r) => r.config.name).join(', ')} to die`);
      for (const r of unstopped) logger.blather(`${r.config.name} state: ${r.state}`);
    }
    reportTimer = clock.setTimer(report, SHUTDOWN_REPORT_INTERVAL_MS);
  };

  try {
    const order = [...ctx.groups].sort(byPriority).reverse();
    for (const group of order) {
      signal?.throwIfAborted();
      stopGroupForShutdown(group);
      if (reportTimer === null) report(); // the first report right after the first group is signalled
      await Promise.all(group.runners.map((r) => waitForStopped(r, signal)));
    }
  } finally {
    if (reportTimer !== null) clock.clearTimer(reportTimer);
  }
}
