/**
 * The bound on stored events: older than `maxAgeMs` (by the event's own time) or beyond the
 * newest `maxEvents` rows, the oldest go. Deleting is done in steps of `stepRows` rows, each its
 * own short transaction on the store's writer thread, so a large backlog never holds up appends
 * or queries for long. Operator actions are kept: they are the audit trail, with
 * a retention of their own to come (issue 5).
 *
 * A pruned event is still acked: its seq stays at or below the host's lastSeq, so a resend of it
 * is recognised and not stored again.
 */
import type { Database } from 'better-sqlite3';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { PruneStep } from './sqlite-writer-protocol.js';

export interface RetentionOptions {
  /** Events older than this many ms are deleted; null keeps them whatever their age. */
  maxAgeMs: number | null;
  /** At most this many events are kept; null sets no bound. */
  maxEvents: number | null;
  /** How often the background pruner looks, in ms. */
  intervalMs: number;
  /** Rows deleted per step. */
  stepRows: number;
}

export const DEFAULT_RETENTION: RetentionOptions = {
  maxAgeMs: 30 * 24 * 3600 * 1000,
  maxEvents: 5_000_000,
  intervalMs: 10_000,
  stepRows: 2_000,
};

export class SqliteRetention {
  /** Rows in `events`, kept up to date by the store (counted once at open). */
  count: number;
  private running: Promise<number> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    db: Database,
    /** Deletes one step's rows (on the store's writer thread); resolves with how many. */
    private readonly deleteStep: (step: PruneStep) => Promise<number>,
    private readonly options: RetentionOptions,
    private readonly now: () => number,
  ) {
    this.count = db.prepare('SELECT count(*) FROM events').pluck().get() as number;
  }

  /** Starts looking every intervalMs; `onError` hears about a failed step (the next look retries). */
  start(onError: (err: unknown) => void): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => {
      this.run().catch(onError);
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** No more runs; a run in progress ends after its current step (see idle()). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Deletes in steps until the bound holds; resolves with the rows deleted. One run at a time. */
  run(): Promise<number> {
    this.running ??= this.steps().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Waits for a run in progress to end. */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  private async steps(): Promise<number> {
    let deleted = 0;
    while (!this.stopped) {
      const n = await this.step();
      deleted += n;
      if (n === 0) return deleted;
      await nextTurn();
    }
    return deleted;
  }

  /** One step: at most stepRows rows, the too old first, then the too many. */
  private async step(): Promise<number> {
    const { maxAgeMs, maxEvents, stepRows } = this.options;
    const oldest = maxEvents !== null && this.count > maxEvents ? this.count - maxEvents : 0;
    const n = await this.deleteStep({ olderThan: maxAgeMs === null ? null : this.now() - maxAgeMs, oldest, stepRows });
    this.count -= n;
    return n;
  }
}
