import { z } from "zod";
import { invalid, reason, unchecked, valid } from "./reasons.ts";
import { checkTolerance, decodeHex, hmac, macMatchesAny, parseIntegerTimestamp, requireHeader } from "./shared.ts";
import type { Outcome, SignedRequest } from "./types.ts";

export const paddleOptionsSchema = z.strictObject({
  /** Paddle's SDK allows only 5 s; a larger value helps when replaying captures from a slow test rig. */
  toleranceSeconds: z.number().int().min(1).max(86_400).default(5),
});
export type PaddleOptions = z.output<typeof paddleOptionsSchema>;

const HEADER = "Paddle-Signature";

/**
 * Paddle Billing: `Paddle-Signature: ts=<unix s>;h1=<hex>`, HMAC-SHA256 over `${ts}:${body}` keyed with the
 * notification destination's secret key. Several h1 entries may appear while a secret is rotated.
 */
export function verifyPaddle(request: SignedRequest, secrets: string[], options: PaddleOptions): Outcome {
  if (secrets.length === 0) return unchecked(reason.noSecret());
  const header = requireHeader(request, HEADER);
  if ("problem" in header) return header.problem;

  let timestampText: string | null = null;
  const signatures: Buffer[] = [];
  for (const item of header.value.split(";")) {
    const eq = item.indexOf("=");
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (key === "ts") timestampText = value;
    if (key === "h1") signatures.push(decodeHex(value) ?? Buffer.alloc(0));
  }
  const seconds = timestampText === null ? null : parseIntegerTimestamp(timestampText);
  if (seconds === null) return invalid(reason.malformedHeader(HEADER, "no ts= timestamp"));
  if (signatures.length === 0) return invalid(reason.malformedHeader(HEADER, "no h1= signature"));

  const signed = [`${timestampText}:`, request.body];
  const matched = secrets.some((secret) => macMatchesAny(hmac("sha256", secret, signed), signatures));
  if (!matched) return invalid(reason.noSecretMatches());
  // Paddle's SDK only rejects old timestamps; a sender clock slightly ahead is accepted.
  return checkTolerance(seconds * 1000, request.receivedAt, options.toleranceSeconds, { allowFuture: true }) ?? valid();
}
