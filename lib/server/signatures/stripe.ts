import { z } from "zod";
import { invalid, reason, unchecked, valid } from "./reasons.ts";
import { checkTolerance, decodeHex, hmac, macMatchesAny, parseIntegerTimestamp, requireHeader } from "./shared.ts";
import type { Outcome, SignedRequest } from "./types.ts";

export const stripeOptionsSchema = z.strictObject({
  /** Stripe's libraries default to 300 s and accept timestamps from the future. */
  toleranceSeconds: z.number().int().min(1).max(86_400).default(300),
});
export type StripeOptions = z.output<typeof stripeOptionsSchema>;

const HEADER = "Stripe-Signature";

/**
 * `Stripe-Signature: t=<unix s>,v1=<hex>[,v1=<hex>...]`: HMAC-SHA256 over `${t}.${body}` keyed with the
 * `whsec_…` string as-is. Stripe sends several v1 entries while an endpoint secret is being rolled.
 */
export function verifyStripe(request: SignedRequest, secrets: string[], options: StripeOptions): Outcome {
  if (secrets.length === 0) return unchecked(reason.noSecret());
  const header = requireHeader(request, HEADER);
  if ("problem" in header) return header.problem;

  let timestamp: number | null = null;
  let timestampText = "";
  const signatures: Buffer[] = [];
  for (const item of header.value.split(",")) {
    const eq = item.indexOf("=");
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (key === "t") [timestamp, timestampText] = [parseIntegerTimestamp(value), value];
    // A v1 entry that is not hex cannot match; keep it out rather than failing the whole header.
    if (key === "v1") signatures.push(decodeHex(value) ?? Buffer.alloc(0));
  }
  if (timestamp === null) return invalid(reason.malformedHeader(HEADER, "no t= timestamp"));
  if (signatures.length === 0) return invalid(reason.malformedHeader(HEADER, "no v1= signature"));

  // Sign the timestamp text as sent, not a re-formatted number.
  const signed = [`${timestampText}.`, request.body];
  const matched = secrets.some((secret) => macMatchesAny(hmac("sha256", secret, signed), signatures));
  if (!matched) return invalid(reason.noSecretMatches());
  return checkTolerance(timestamp * 1000, request.receivedAt, options.toleranceSeconds, { allowFuture: true }) ?? valid();
}
