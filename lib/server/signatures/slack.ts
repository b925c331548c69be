import { z } from "zod";
import { invalid, reason, unchecked, valid } from "./reasons.ts";
import { checkTolerance, decodeHex, hmac, macMatchesAny, parseIntegerTimestamp, requireHeader } from "./shared.ts";
import type { Outcome, SignedRequest } from "./types.ts";

export const slackOptionsSchema = z.strictObject({
  toleranceSeconds: z.number().int().min(1).max(86_400).default(300),
});
export type SlackOptions = z.output<typeof slackOptionsSchema>;

const SIGNATURE = "X-Slack-Signature";
const TIMESTAMP = "X-Slack-Request-Timestamp";

/**
 * `X-Slack-Signature: v0=<hex>`, HMAC-SHA256 over `v0:${timestamp}:${body}` keyed with the signing secret;
 * Slack's guide rejects timestamps more than five minutes from local time, in either direction.
 */
export function verifySlack(request: SignedRequest, secrets: string[], options: SlackOptions): Outcome {
  if (secrets.length === 0) return unchecked(reason.noSecret());
  const signature = requireHeader(request, SIGNATURE);
  if ("problem" in signature) return signature.problem;
  const timestamp = requireHeader(request, TIMESTAMP);
  if ("problem" in timestamp) return timestamp.problem;

  const digest = signature.value.startsWith("v0=") ? decodeHex(signature.value.slice(3)) : null;
  if (!digest) return invalid(reason.malformedHeader(SIGNATURE, "expected v0=<hex digest>"));
  const seconds = parseIntegerTimestamp(timestamp.value);
  if (seconds === null) return invalid(reason.malformedHeader(TIMESTAMP, "not a Unix timestamp in seconds"));

  const signed = [`v0:${timestamp.value}:`, request.body];
  const matched = secrets.some((secret) => macMatchesAny(hmac("sha256", secret, signed), [digest]));
  if (!matched) return invalid(reason.noSecretMatches());
  return checkTolerance(seconds * 1000, request.receivedAt, options.toleranceSeconds) ?? valid();
}
