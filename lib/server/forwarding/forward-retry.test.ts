import { describe, expect, it } from "vitest";
import { backoffMs, isRetryable, parseRetryAfter, retryDelayMs } from "./forward-retry.ts";

const policy = { baseMs: 1_000, maxMs: 60_000 };
const now = Date.parse("2026-11-23T12:00:00Z");
const answer = (status: number, headers: [string, string][] = []) => ({ kind: "answer" as const, status, headers });

describe("isRetryable", () => {
  it("retries network errors, 5xx and 429", () => {
    expect(isRetryable({ kind: "error" })).toBe(true);
    expect(isRetryable(answer(500))).toBe(true);
    expect(isRetryable(answer(503))).toBe(true);
    expect(isRetryable(answer(429))).toBe(true);
  });

  it("takes 2xx, 3xx and other 4xx as final", () => {
    for (const status of [200, 204, 301, 400, 401, 404, 410, 422]) expect(isRetryable(answer(status))).toBe(false);
  });
});

describe("parseRetryAfter", () => {
  it("reads delay-seconds", () => {
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
  });

  it("reads an HTTP date relative to now, a past date as now", () => {
    expect(parseRetryAfter("Mon, 23 Nov 2026 12:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Mon, 23 Nov 2026 11:00:00 GMT", now)).toBe(0);
  });

  it("ignores what is neither", () => {
    expect(parseRetryAfter(undefined, now)).toBeNull();
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter("-5", now)).toBeNull();
    expect(parseRetryAfter("1.5", now)).toBeNull();
  });
});

describe("backoffMs", () => {
  it("doubles its range with each failure, drawn from the upper half", () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, policy, () => 0))).toEqual([500, 1_000, 2_000, 4_000]);
    expect([1, 2, 3, 4].map((n) => backoffMs(n, policy, () => 1))).toEqual([1_000, 2_000, 4_000, 8_000]);
  });

  it("is capped at the policy's max, however many failures", () => {
    expect(backoffMs(10, policy, () => 1)).toBe(60_000);
    expect(backoffMs(10_000, policy, () => 1)).toBe(60_000);
    expect(backoffMs(10, policy, () => 0)).toBe(30_000);
  });

  it("spreads retries with its random half", () => {
    const waits = new Set(Array.from({ length: 20 }, () => backoffMs(3, policy)));
    expect(waits.size).toBeGreaterThan(1);
    for (const wait of waits) {
      expect(wait).toBeGreaterThanOrEqual(2_000);
      expect(wait).toBeLessThanOrEqual(4_000);
    }
  });
});

describe("retryDelayMs", () => {
  it("follows Retry-After in seconds or as a date, whatever the backoff", () => {
    expect(retryDelayMs(answer(503, [["Retry-After", "7"]]), 1, policy, now, () => 0)).toBe(7_000);
    expect(retryDelayMs(answer(429, [["retry-after", "Mon, 23 Nov 2026 12:00:03 GMT"]]), 5, policy, now, () => 1)).toBe(3_000);
  });

  it("caps Retry-After at the policy's max", () => {
    expect(retryDelayMs(answer(503, [["Retry-After", "86400"]]), 1, policy, now)).toBe(60_000);
  });

  it("falls back to backoff without a readable Retry-After", () => {
    expect(retryDelayMs(answer(503, [["Retry-After", "later"]]), 2, policy, now, () => 0)).toBe(1_000);
    expect(retryDelayMs({ kind: "error" }, 3, policy, now, () => 1)).toBe(4_000);
  });
});
