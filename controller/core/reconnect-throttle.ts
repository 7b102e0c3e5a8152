/**
 * A token bucket per host name for hellos: an agent that reconnects in a tight loop (a crash
 * loop, two agents configured with the same host name fighting over it) is turned away with a
 * retry delay instead of replacing the live session, rewriting its snapshot and costing a
 * store round trip many times a second.
 */
export interface ReconnectThrottleOptions {
  /** Hellos accepted back to back (8 by default). */
  burst?: number;
  /** One more hello allowed per this many ms (1000 by default). */
  refillMs?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class ReconnectThrottle {
  private readonly buckets = new Map<string, Bucket>();
  private readonly burst: number;
  private readonly refillMs: number;

  constructor(options: ReconnectThrottleOptions = {}) {
    this.burst = options.burst ?? 8;
    this.refillMs = options.refillMs ?? 1000;
  }

  /** Takes a token for `host`: 0 when the hello may proceed, else how many ms to wait. */
  take(host: string, now: number): number {
    const bucket = this.refill(host, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) * this.refillMs);
  }

  /** Forgets buckets that have refilled completely (called from the periodic sweep). */
  prune(now: number): void {
    for (const [host, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) / this.refillMs >= this.burst) this.buckets.delete(host);
    }
  }

  private refill(host: string, now: number): Bucket {
    let bucket = this.buckets.get(host);
    if (!bucket) {
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(host, bucket);
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + Math.max(0, now - bucket.at) / this.refillMs);
    bucket.at = now;
    return bucket;
  }
}
