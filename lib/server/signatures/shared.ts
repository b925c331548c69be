import { createHmac, timingSafeEqual } from "node:crypto";
import { invalid, reason } from "./reasons.ts";
import type { Outcome, SignedRequest } from "./types.ts";

export type HmacAlgorithm = "sha1" | "sha256" | "sha512";

/** Part of a signed message: text is UTF-8 encoded, bytes (the body) are used as captured. */
export type MessagePart = string | Uint8Array;

const encoder = new TextEncoder();

export function concatBytes(parts: MessagePart[]): Buffer {
  return Buffer.concat(parts.map((part) => (typeof part === "string" ? encoder.encode(part) : part)));
}

export function hmac(algorithm: HmacAlgorithm, key: string | Uint8Array, parts: MessagePart[]): Buffer {
  return createHmac(algorithm, key).update(concatBytes(parts)).digest();
}

/**
 * Constant-time comparison of a computed MAC with a received one. A length mismatch returns false
 * without comparing contents: the length is fixed by the algorithm and reveals nothing about the secret.
 */
export function macEquals(expected: Uint8Array, received: Uint8Array): boolean {
  if (expected.length !== received.length) return false;
  return timingSafeEqual(expected, received);
}

/** Whether `expected` equals any received candidate; every candidate is compared so timing does not tell which. */
export function macMatchesAny(expected: Uint8Array, candidates: Uint8Array[]): boolean {
  let matched = false;
  for (const candidate of candidates) matched = macEquals(expected, candidate) || matched;
  return matched;
}

/** Strict hex (either case, even length); null when the text is not hex. */
export function decodeHex(text: string): Buffer | null {
  return /^(?:[0-9a-fA-F]{2})+$/.test(text) ? Buffer.from(text, "hex") : null;
}

/** Strict standard base64 with padding optional; null when the text is not base64 (Buffer.from would skip junk). */
export function decodeBase64(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.replace(/=+$/, "").length % 4 === 1) return null;
  return Buffer.from(text, "base64");
}

type HeaderLookup = { value: string } | { problem: Outcome };

/**
 * The single value of header `name` (case-insensitive). A repeated signature header is reported rather than
 * guessed at: proxies joining or appending values are a real cause of failed checks worth showing.
 * `display` is the provider's documented spelling, used in reasons.
 */
export function requireHeader(request: SignedRequest, display: string): HeaderLookup {
  const values = headerValues(request, display);
  if (values.length === 0) return { problem: invalid(reason.missingHeader(display)) };
  if (values.length > 1) return { problem: invalid(reason.repeatedHeader(display, values.length)) };
  const value = values[0]!.trim();
  if (value === "") return { problem: invalid(reason.malformedHeader(display, "empty value")) };
  return { value };
}

/**
 * The digest a header carries in `encoding`, or the outcome that explains why there is
 * none (missing, repeated, empty, not decodable).
 */
export function requireDigestHeader(request: SignedRequest, display: string, encoding: "hex" | "base64"): { digest: Buffer } | { problem: Outcome } {
  const header = requireHeader(request, display);
  if ("problem" in header) return header;
  const digest = encoding === "hex" ? decodeHex(header.value) : decodeBase64(header.value);
  if (!digest) return { problem: invalid(reason.malformedHeader(display, `not ${encoding}`)) };
  return { digest };
}

export function headerValues(request: Pick<SignedRequest, "headers">, name: string): string[] {
  const wanted = name.toLowerCase();
  return request.headers.filter(([key]) => key.toLowerCase() === wanted).map(([, value]) => value);
}

export function hasHeader(headers: [string, string][], name: string): boolean {
  return headerValues({ headers }, name).length > 0;
}

/** Parses an integer timestamp written in decimal digits only (no sign, exponent or fraction). */
export function parseIntegerTimestamp(text: string): number | null {
  if (!/^\d{1,16}$/.test(text)) return null;
  return Number(text);
}

/**
 * Judges a signed timestamp against when the request was received, so a stored verdict never changes as the
 * capture ages. Some providers accept any future timestamp (`allowFuture`), mirroring their own libraries.
 */
export function checkTolerance(
  signedAtMs: number,
  receivedAt: number,
  toleranceSeconds: number,
  { allowFuture = false }: { allowFuture?: boolean } = {},
): Outcome | null {
  const ageMs = receivedAt - signedAtMs;
  const limitMs = toleranceSeconds * 1000;
  if (ageMs > limitMs) return invalid(reason.stale(Math.round(ageMs / 1000), toleranceSeconds));
  if (!allowFuture && -ageMs > limitMs) return invalid(reason.future(Math.round(-ageMs / 1000), toleranceSeconds));
  return null;
}
