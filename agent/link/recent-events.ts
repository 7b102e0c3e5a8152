/**
 * The spool's newest written events, kept in memory up to a byte bound, so the live path reads
 * them without going back to disk. A FIFO with a moving head: dropping the oldest is O(1), and
 * the array is compacted once the dropped part outweighs the rest.
 */
import type { SpooledEvent } from './link-event.js';

export class RecentEvents {
  private events: SpooledEvent[] = [];
  private sizes: number[] = [];
  private head = 0;
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** The oldest seq held, or null when empty. */
  get firstSeq(): number | null {
    return this.head < this.events.length ? this.events[this.head]!.seq : null;
  }

  /** Adds an event (in seq order) that takes `size` bytes on disk; the oldest go past the bound. */
  push(event: SpooledEvent, size: number): void {
    this.events.push(event);
    this.sizes.push(size);
    this.bytes += size;
    while (this.bytes > this.maxBytes && this.events.length - this.head > 1) this.dropOldest();
    this.compact();
  }

  /** Forgets every event up to `seq`. */
  dropUpTo(seq: number): void {
    while (this.head < this.events.length && this.events[this.head]!.seq <= seq) this.dropOldest();
    this.compact();
  }

  /** Events after `afterSeq` and not after `lastSeq`, up to about `maxBytes` (at least one). */
  after(afterSeq: number, lastSeq: number, maxBytes: number): SpooledEvent[] {
    let lo = this.head;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.events[mid]!.seq <= afterSeq) lo = mid + 1;
      else hi = mid;
    }
    const out: SpooledEvent[] = [];
    let bytes = 0;
    for (let i = lo; i < this.events.length && bytes < maxBytes; i++) {
      const event = this.events[i]!;
      if (event.seq > lastSeq) break;
      out.push(event);
      bytes += this.sizes[i]!;
    }
    return out;
  }

  private dropOldest(): void {
    this.bytes -= this.sizes[this.head]!;
    this.head++;
  }

  private compact(): void {
    if (this.head < 1024 || this.head * 2 < this.events.length) return;
    this.events = this.events.slice(this.head);
    this.sizes = this.sizes.slice(this.head);
    this.head = 0;
  }
}
