import { createHash, randomBytes, randomFillSync } from "node:crypto";
import { decodeTime, encodeTime, monotonicFactory } from "ulid";

/** 128 random bits, base64url: 22 characters that are safe in a URL path. */
export function newBinId(): string {
  return randomBytes(16).toString("base64url");
}

/**
 * The id of a bin declared in configuration with only an alias: the same on every
 * start and every machine. Anyone who knows the alias can work the id out, and that is
 * harmless: a bin opens only with its access token, so its id, like its alias, names
 * nothing but its capture URL, which the alias reaches already.
 */
export function binIdForAlias(alias: string): string {
  return createHash("sha256").update(`hookyard-bin:${alias}`).digest().subarray(0, 16).toString("base64url");
}

export const binIdPattern = /^[A-Za-z0-9_-]{22}$/;

export function isBinId(value: string): boolean {
  return binIdPattern.test(value);
}

/**
 * ulid's random source: one byte of a pooled CSPRNG buffer per character, as a fraction
 * in [0, 1). ulid's default asks `crypto.getRandomValues` once per character (16 calls
 * per new millisecond), which took ~8 % of the capture path's CPU under load. 256 is a
 * multiple of ulid's 32 symbols, so every symbol stays equally likely.
 */
export function pooledRandomFraction(poolBytes = 4096): () => number {
  const pool = Buffer.allocUnsafe(poolBytes);
  let next = poolBytes;
  return () => {
    if (next === poolBytes) {
      randomFillSync(pool);
      next = 0;
    }
    return pool[next++]! / 256;
  };
}

// Monotonic even within one millisecond, so ids sort in the order captures were
// accepted; cursors and SSE resume (Last-Event-ID) depend on that.
const nextUlid = monotonicFactory(pooledRandomFraction());

export function newRequestId(now: number = Date.now()): string {
  return nextUlid(now);
}

export const requestIdPattern = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export function isRequestId(value: string): boolean {
  return requestIdPattern.test(value);
}

/** The smallest capture id of the millisecond `time`: every capture received before it sorts below. */
export function requestIdFloor(time: number): string {
  return encodeTime(Math.max(0, time), 10) + "0".repeat(16);
}

/** The millisecond a capture id was made in. */
export function requestIdTime(id: string): number {
  return decodeTime(id);
}
