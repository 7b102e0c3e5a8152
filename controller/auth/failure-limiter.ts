/**
 * A token bucket of failed authentications per origin (IP address): an origin may fail `burst`
 * times back to back, then one more time per `refillMs`. While its bucket is empty every call
 * from it that presents credentials is refused with RATE_LIMITED before anything is checked, so
 * guessing tokens costs a brute-force loop about `refillMs` per guess. Successful calls take
 * nothing. Memory is bounded: full buckets are forgotten, and past `maxOrigins` the oldest go.
 */
import { isIP } from 'node:net';

export interface FailureLimiterOptions {
  /** Failures allowed back to back (10 by default). */
  burst?: number;
  /** One more failure allowed per this many ms (6 s by default: 10 a minute). */
  refillMs?: number;
  /** Origins remembered at most (10,000 by default). */
  maxOrigins?: number;
}

interface Bucket {
  tokens: number;
  at: number;
  /** Calls refused since the bucket ran empty. */
  refused: number;
}

export class FailureLimiter {
  private readonly buckets = new Map<string, Bucket>();
  readonly burst: number;
  readonly refillMs: number;
  private readonly maxOrigins: number;

  constructor(options: FailureLimiterOptions = {}) {
    this.burst = options.burst ?? 10;
    this.refillMs = options.refillMs ?? 6000;
    this.maxOrigins = options.maxOrigins ?? 10_000;
  }

  /** 0 when `origin` may try, else how many ms until it may try again (the refusal is counted). */
  check(origin: string, now: number): number {
    const bucket = this.buckets.get(origin);
    if (!bucket) return 0;
    this.refill(bucket, now);
    if (bucket.tokens >= 1) return 0;
    bucket.refused++;
    return Math.ceil((1 - bucket.tokens) * this.refillMs);
  }

  /** Records a failure; true when it emptied the bucket (the moment to log that the origin is limited). */
  fail(origin: string, now: number): boolean {
    let bucket = this.buckets.get(origin);
    if (!bucket) {
      this.makeRoom(now);
      bucket = { tokens: this.burst, at: now, refused: 0 };
      this.buckets.set(origin, bucket);
    }
    this.refill(bucket, now);
    bucket.tokens = Math.max(0, bucket.tokens - 1);
    if (bucket.tokens >= 1) return false;
    bucket.refused = 0;
    return true;
  }

  private refill(bucket: Bucket, now: number): void {
    bucket.tokens = Math.min(this.burst, bucket.tokens + Math.max(0, now - bucket.at) / this.refillMs);
    bucket.at = now;
  }

  private makeRoom(now: number): void {
    if (this.buckets.size < this.maxOrigins) return;
    for (const [origin, bucket] of this.buckets) {
      this.refill(bucket, now);
      if (bucket.tokens >= this.burst) this.buckets.delete(origin);
    }
    // Still full: the oldest entries go first (a Map iterates in insertion order).
    for (const origin of this.buckets.keys()) {
      if (this.buckets.size < this.maxOrigins) break;
      this.buckets.delete(origin);
    }
  }
}

/**
 * The IP of a gRPC peer (`127.0.0.1:5555`, `::1:5555`, `[::1]:5555`, as grpc-js's getPeer()
 * gives it): what the limiter counts by. Anything else is returned as it is.
 */
export function originHost(peer: string): string {
  const bracket = /^\[([^\]]+)\](?::\d+)?$/.exec(peer);
  if (bracket) return bracket[1]!;
  const port = /^(.*):\d+$/.exec(peer);
  return port && isIP(port[1]!) !== 0 ? port[1]! : peer;
}
