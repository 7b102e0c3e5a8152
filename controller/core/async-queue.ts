/**
 * A queue that one side pushes into and the other drains with `for await`: how results that
 * arrive from many hosts at once become one stream. The consumer leaving early (break, return)
 * or the queue failing runs `onClose` once, which is where producers are told to stop.
 *
 * The queue is bounded by `limit` items: a push beyond it fails the queue with `overflow()`,
 * so a consumer that cannot keep up ends with a clear error instead of growing memory. The
 * producers here are agents' streams, which must never wait for one slow client.
 */
export interface AsyncQueueOptions {
  /** Items held before the queue fails (Infinity by default). */
  limit?: number;
  /** The error a push beyond the limit fails the queue with. */
  overflow?: () => Error;
  /** Runs once when the queue is finished for any reason: ended, failed or abandoned. */
  onClose?: () => void;
}

export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private head = 0;
  private waiter: (() => void) | null = null;
  private done = false;
  private error: Error | null = null;
  private closed = false;

  constructor(private readonly options: AsyncQueueOptions = {}) {}

  /** Adds an item; ignored once the queue is finished. */
  push(item: T): void {
    if (this.done) return;
    if (this.items.length - this.head >= (this.options.limit ?? Infinity)) {
      this.fail(this.options.overflow?.() ?? new Error('queue overflow'));
      return;
    }
    this.items.push(item);
    this.wake();
  }

  /** No more items: the consumer drains what is queued, then its loop ends. */
  end(): void {
    if (this.done) return;
    this.done = true;
    this.wake();
    this.finish();
  }

  /** Ends the consumer's loop with `error` after it drains what is queued. */
  fail(error: Error): void {
    if (this.done) return;
    this.error = error;
    this.end();
  }

  get finished(): boolean {
    return this.done;
  }

  get size(): number {
    return this.items.length - this.head;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    try {
      for (;;) {
        if (this.head < this.items.length) {
          const item = this.items[this.head++]!;
          if (this.head > 1024 && this.head * 2 > this.items.length) {
            this.items.splice(0, this.head);
            this.head = 0;
          }
          yield item;
          continue;
        }
        if (this.error) throw this.error;
        if (this.done) return;
        await new Promise<void>((resolve) => (this.waiter = resolve));
      }
    } finally {
      this.done = true;
      this.finish();
    }
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.options.onClose?.();
  }
}
