/**
 * The bound on stored events: older than `maxAgeMs` (by the event's own time) or beyond the
 * newest `maxEvents` rows, the oldest go. Deleting is done in steps of `stepRows` rows, each its
 * own short transaction, with a turn of the event loop between steps, so a large backlog never
 * holds up appends or queries for long. Operator actions are kept: they are the audit trail, with
 * a retention of their own to come (issue 5).
 *
 * A pruned event is still acked: its seq stays at or below the host's lastSeq, so a resend of it
 * is recognised and not stored again.
 */
import type { Database, Statement } from 'better-sqlite3';
import { setImmediate as nextTurn } from 'node:timers/promises';

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
  private readonly deleteOlder: Statement<[number, number]>;
  private readonly deleteOldest: Statement<[number]>;
  private running: Promise<number> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    db: Database,
    private readonly options: RetentionOptions,
    private readonly now: () => number,
  ) {
    this.count = db.prepare('SELECT count(*) FROM events').pluck().get() as number;
    this.deleteOlder = db.prepare(
      'DELETE FROM events WHERE id IN (SELECT id FROM events INDEXED BY events_time WHERE time < ? ORDER BY time, seq LIMIT ?)',
    );
    this.deleteOldest = db.prepare('DELETE FROM events WHERE id IN (SELECT id FROM events INDEXED BY events_time ORDER BY time, seq LIMIT ?)');
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
      const n = this.step();
      deleted += n;
      if (n === 0) return deleted;
      await nextTurn();
    }
    return deleted;
  }

  /** One step: at most stepRows rows, the too old first, then the too many. */
  private step(): number {
    const { maxAgeMs, maxEvents, stepRows } = this.options;
    let n = 0;
    if (maxAgeMs !== null) n = this.deleteOlder.run(this.now() - maxAgeMs, stepRows).changes;
    if (n === 0 && maxEvents !== null && this.count > maxEvents) {
      n = this.deleteOldest.run(Math.min(stepRows, this.count - maxEvents)).changes;
    }
    this.count -= n;
    return n;
  }
}
