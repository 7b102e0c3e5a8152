const INITIAL_CAPACITY = 32;
const EMPTY = new Float64Array(0);

/**
 * Capture times of recent chunks, against their stream offsets: a bounded ring of
 * (first byte's offset, epoch ms) pairs. A chunk captured in the same millisecond as the one
 * before it adds nothing, so under a flood one entry covers every chunk of that millisecond.
 *
 * The ring is allocated at the first record, starts small and doubles up to `capacity`, so a
 * channel that never logs costs nothing, a quiet one a few hundred bytes, and a busy one at most
 * 16 bytes per entry. When full, the oldest entry is dropped.
 * record() allocates only when the ring grows.
 */
export class ChunkTimes {
  readonly capacity: number;
  private starts: Float64Array;
  private times: Float64Array;
  /** Index of the oldest entry. */
  private head = 0;
  private count = 0;

  constructor(capacity = 1024) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.starts = EMPTY;
    this.times = EMPTY;
  }

  /** Records that the chunk starting at stream offset `start` was captured at `time`. Offsets never go back. */
  record(start: number, time: number): void {
    if (this.count > 0 && this.times[this.slot(this.count - 1)] === time) return;
    if (this.count === this.starts.length) {
      if (this.starts.length < this.capacity) this.grow();
      else {
        this.head = this.slot(1);
        this.count--;
      }
    }
    const i = this.slot(this.count);
    this.starts[i] = start;
    this.times[i] = time;
    this.count++;
  }

  /**
   * Capture time of the byte at stream offset `offset`: the time of the last recorded chunk
   * that starts at or before it. null when it is older than the oldest entry kept. The caller
   * knows where the stream ends; offsets past it get the newest chunk's time.
   */
  timeAt(offset: number): number | null {
    if (this.count === 0 || offset < this.starts[this.head]!) return null;
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.starts[this.slot(mid)]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return this.times[this.slot(lo)]!;
  }

  private slot(n: number): number {
    return (this.head + n) % this.starts.length;
  }

  private grow(): void {
    const size = Math.min(Math.max(this.starts.length * 2, INITIAL_CAPACITY), this.capacity);
    const starts = new Float64Array(size);
    const times = new Float64Array(size);
    for (let n = 0; n < this.count; n++) {
      starts[n] = this.starts[this.slot(n)]!;
      times[n] = this.times[this.slot(n)]!;
    }
    this.starts = starts;
    this.times = times;
    this.head = 0;
  }
}
