import { createHash, randomBytes } from "node:crypto";

/**
 * Bin access tokens: 256 random bits behind a `hyk_` prefix, so a leaked one is easy to
 * recognise (and for secret scanners to flag). Only their SHA-256 is stored: a copy of
 * the database opens no bin.
 */
export const tokenPrefix = "hyk_";

/** Ours, or a declared bin's own (24 to 256 visible ASCII characters, see config.ts). */
const tokenPattern = /^[\x21-\x7e]{24,256}$/;

export function newToken(): string {
  return tokenPrefix + randomBytes(32).toString("base64url");
}

/** Whether `value` could be a token; anything else is refused without a lookup. */
export function looksLikeToken(value: string): boolean {
  return tokenPattern.test(value);
}

/**
 * The stored form of a token. A lookup by this hash cannot leak the token through
 * timing: an attacker controls the token, not its hash, so how far an index search
 * gets tells them nothing they can steer.
 */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Random id naming a grant in the API (list, revoke); it opens nothing. */
export function newGrantId(): string {
  return randomBytes(12).toString("base64url");
}
