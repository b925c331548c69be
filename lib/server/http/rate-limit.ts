/**
 * Token buckets, one per key (a bin, a client IP), in memory. Each holds up to
 * `burst` tokens and refills at `perSecond`; a request takes one token. A bucket
 * that has refilled to the brim is the same as no bucket, so idle keys are dropped
 * now and then and the map only holds keys that were busy recently.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();
  private lastCleanup = 0;
  /** Milliseconds an empty bucket needs to fill up again. */
  private readonly refillMs: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    if (!(perSecond > 0) || !(burst >= 1)) throw new RangeError("a rate limiter needs perSecond > 0 and burst >= 1");
    this.refillMs = (burst / perSecond) * 1_000;
  }

  /**
   * Takes one token for `key`. Returns 0 when the request may go ahead, else the
   * milliseconds until a token will be available (nothing is taken then).
   */
  take(key: string, now: number = Date.now()): number {
    if (now - this.lastCleanup >= this.refillMs) this.forgetFull(now);
    const bucket = this.buckets.get(key);
    const tokens = bucket ? Math.min(this.burst, bucket.tokens + ((now - bucket.updatedAt) * this.perSecond) / 1_000) : this.burst;
    // A refusal leaves the bucket as it was: its refill is computed afresh from the last take.
    if (tokens < 1) return Math.ceil(((1 - tokens) / this.perSecond) * 1_000);
    if (bucket) {
      bucket.tokens = tokens - 1;
      bucket.updatedAt = now;
    } else {
      this.buckets.set(key, { tokens: tokens - 1, updatedAt: now });
    }
    return 0;
  }

  /** Milliseconds until `key` has a token again, without taking one: 0 when it has one now. */
  wait(key: string, now: number = Date.now()): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return 0;
    const tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updatedAt) * this.perSecond) / 1_000);
    return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) / this.perSecond) * 1_000);
  }

  /** Keys with a bucket in memory (for tests and diagnostics). */
  get size(): number {
    return this.buckets.size;
  }

  private forgetFull(now: number): void {
    this.lastCleanup = now;
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.updatedAt >= this.refillMs) this.buckets.delete(key);
    }
  }
}

/** Retry-After in whole seconds (at least 1) for a wait in milliseconds. */
export function retryAfterSeconds(waitMs: number): string {
  return String(Math.max(1, Math.ceil(waitMs / 1_000)));
}
