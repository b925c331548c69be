import { describe, expect, it } from "vitest";
import { RateLimiter, retryAfterSeconds } from "./rate-limit.ts";

describe("RateLimiter", () => {
  it("lets a burst through, then refuses with the wait until the next token", () => {
    const limiter = new RateLimiter(2, 3);
    const now = 1_000_000;
    expect([limiter.take("a", now), limiter.take("a", now), limiter.take("a", now)]).toEqual([0, 0, 0]);
    expect(limiter.take("a", now)).toBe(500);
    expect(limiter.take("a", now + 250)).toBe(250);
    expect(limiter.take("a", now + 500)).toBe(0);
    expect(limiter.take("a", now + 500)).toBe(500);
  });

  it("keeps keys apart", () => {
    const limiter = new RateLimiter(1, 1);
    expect(limiter.take("a", 0)).toBe(0);
    expect(limiter.take("a", 0)).toBe(1_000);
    expect(limiter.take("b", 0)).toBe(0);
  });

  it("refills no further than the burst", () => {
    const limiter = new RateLimiter(10, 2);
    expect(limiter.take("a", 0)).toBe(0);
    const later = 60_000;
    expect([limiter.take("a", later), limiter.take("a", later)]).toEqual([0, 0]);
    expect(limiter.take("a", later)).toBeGreaterThan(0);
  });

  it("a refused request takes nothing, so steady retries get through at the rate", () => {
    const limiter = new RateLimiter(1, 1);
    expect(limiter.take("a", 0)).toBe(0);
    for (let t = 100; t < 1_000; t += 100) expect(limiter.take("a", t)).toBeGreaterThan(0);
    expect(limiter.take("a", 1_000)).toBe(0);
  });

  it("forgets keys whose bucket has filled up again", () => {
    const limiter = new RateLimiter(1, 2);
    limiter.take("a", 0);
    limiter.take("b", 0);
    expect(limiter.size).toBe(2);
    limiter.take("c", 2_500);
    expect(limiter.size).toBe(1);
  });

  it("refuses nonsense settings", () => {
    expect(() => new RateLimiter(0, 1)).toThrow(RangeError);
    expect(() => new RateLimiter(1, 0)).toThrow(RangeError);
  });
});

describe("retryAfterSeconds", () => {
  it.each([
    [1, "1"],
    [1_000, "1"],
    [1_001, "2"],
    [36_000, "36"],
  ])("%i ms → %s", (ms, header) => {
    expect(retryAfterSeconds(ms)).toBe(header);
  });
});
