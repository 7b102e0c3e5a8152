/**
 * Group commit: items pushed by many callers (each agent's appends) wait a short window, then one
 * commit takes all of them, so the database pays one transaction for thousands of rows. A commit
 * starts when the window since the first waiting item has passed, or at once (on the next turn of
 * the event loop) when the waiting rows reach `maxRows`. Commits never overlap: what arrives
 * during one waits for the next. Each caller's promise settles with its own item's result, or
 * with the commit's error for every item of a failed commit.
 */

export interface BatchQueueOptions {
  /** How long the first waiting item may wait for others, in ms. */
  windowMs: number;
  /** Commit at once when this many rows wait. */
  maxRows: number;
}

/** Commits the items; returns one result per item, in order. Throws to fail them all. */
export type CommitBatch<T, R> = (items: T[]) => R[] | Promise<R[]>;

interface Waiting<T, R> {
  item: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

export class BatchQueue<T, R> {
  private waiting: Waiting<T, R>[] = [];
  private waitingRows = 0;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  /** The commit in progress, if any. */
  private running: Promise<void> | null = null;

  constructor(
    private readonly commit: CommitBatch<T, R>,
    private readonly options: BatchQueueOptions,
  ) {}

  /** Rows waiting for a commit (not counting one in progress). */
  get pendingRows(): number {
    return this.waitingRows;
  }

  /** Queues `item` (worth `rows` rows); settles once the commit that takes it is done. */
  push(item: T, rows: number): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.waitingRows += rows;
      this.schedule();
    });
  }

  /** Commits everything waiting now (after a commit in progress); resolves when done, whatever the outcome. */
  async flush(): Promise<void> {
    while (this.running || this.waiting.length > 0) {
      if (this.running) await this.running;
      else await this.run();
    }
  }

  /** Arms the window's timer, or the next turn of the loop for a full batch (once each). */
  private schedule(): void {
    if (this.waitingRows >= this.options.maxRows) {
      this.immediate ??= setImmediate(() => {
        this.immediate = null;
        void this.run();
      });
    } else {
      this.timer ??= setTimeout(() => {
        this.timer = null;
        void this.run();
      }, this.options.windowMs);
    }
  }

  private run(): Promise<void> {
    if (this.running) return this.running;
    this.clearTimers();
    if (this.waiting.length === 0) return Promise.resolve();
    const batch = this.waiting;
    this.waiting = [];
    this.waitingRows = 0;
    this.running = this.commitBatch(batch).finally(() => {
      this.running = null;
      // What arrived during the commit (its timer may have fired meanwhile, to no effect) goes next.
      if (this.waiting.length > 0) this.schedule();
    });
    return this.running;
  }

  private async commitBatch(batch: Waiting<T, R>[]): Promise<void> {
    let results: R[];
    try {
      results = await this.commit(batch.map((w) => w.item));
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    batch.forEach((w, i) => w.resolve(results[i]!));
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }
}
