import { createHash, randomBytes } from "node:crypto";
import { decodeTime, encodeTime, monotonicFactory } from "ulid";

/** 128 random bits, base64url: 22 characters that are safe in a URL path. */
export function newBinId(): string {
  return randomBytes(16).toString("base64url");
}

/**
 * The id of a bin declared in configuration with only an alias: the same on every
 * start and every machine. Knowing the alias already opens the bin, so deriving the
 * id from it reveals nothing more.
 */
export function binIdForAlias(alias: string): string {
  return createHash("sha256").update(`hookyard-bin:${alias}`).digest().subarray(0, 16).toString("base64url");
}

export const binIdPattern = /^[A-Za-z0-9_-]{22}$/;

export function isBinId(value: string): boolean {
  return binIdPattern.test(value);
}

// Monotonic even within one millisecond, so ids sort in the order captures were
// accepted; cursors and SSE resume (Last-Event-ID) depend on that.
const nextUlid = monotonicFactory();

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
