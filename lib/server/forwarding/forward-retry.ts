import type { HeaderPair } from "../../types.ts";

/** What one delivery attempt came to, as far as retrying is concerned. */
export type AttemptOutcome = { kind: "answer"; status: number; headers: HeaderPair[] } | { kind: "error" };

export type RetryPolicy = { baseMs: number; maxMs: number };

/**
 * Network errors (refused, timeout, DNS, TLS, reset), 5xx and 429 may pass on their
 * own; any other answer (2xx, 3xx, other 4xx) is the target's word and is final.
 */
export function isRetryable(outcome: AttemptOutcome): boolean {
  return outcome.kind === "error" || outcome.status >= 500 || outcome.status === 429;
}

/**
 * Milliseconds a `Retry-After` value asks to wait: delay-seconds or an HTTP date.
 * A date in the past means now (0); anything unreadable is null.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Only the date forms HTTP allows: a bare number like "1.5" or "-1" is not a date.
  if (!/[a-z]/i.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/**
 * Exponential backoff with jitter: after the n-th failed attempt the ceiling is
 * base·2^(n−1), capped at max, and the wait is drawn from [ceiling/2, ceiling]. Half
 * the ceiling is kept fixed (rather than full jitter's [0, ceiling]) so a retry never
 * fires straight after a failure and each wait is at least the one before's floor,
 * while the random half still spreads retries from many captures apart.
 */
export function backoffMs(attemptsMade: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attemptsMade - 1, 0), 52);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * How long to wait before the next attempt: what the target's `Retry-After` asks for
 * (capped at the policy's max, so a target cannot park a job for days), else backoff.
 */
export function retryDelayMs(outcome: AttemptOutcome, attemptsMade: number, policy: RetryPolicy, nowMs: number, random?: () => number): number {
  if (outcome.kind === "answer") {
    const header = outcome.headers.find(([name]) => name.toLowerCase() === "retry-after")?.[1];
    const asked = parseRetryAfter(header, nowMs);
    if (asked !== null) return Math.min(asked, policy.maxMs);
  }
  return backoffMs(attemptsMade, policy, random);
}
