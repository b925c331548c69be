import { z } from "zod";
import { invalid, reason, unchecked, valid } from "./reasons.ts";
import { checkTolerance, hmac, macMatchesAny, requireDigestHeader } from "./shared.ts";
import type { Outcome, SignedRequest } from "./types.ts";

export const linearOptionsSchema = z.strictObject({
  toleranceSeconds: z.number().int().min(1).max(86_400).default(60),
});
export type LinearOptions = z.output<typeof linearOptionsSchema>;

const HEADER = "Linear-Signature";

/**
 * `Linear-Signature: <hex>`, HMAC-SHA256 of the body. The timestamp that counts is `webhookTimestamp` (ms) inside
 * the signed JSON body, not the `Linear-Timestamp` header: only the body is covered by the signature.
 */
export function verifyLinear(request: SignedRequest, secrets: string[], options: LinearOptions): Outcome {
  if (secrets.length === 0) return unchecked(reason.noSecret());
  const signature = requireDigestHeader(request, HEADER, "hex");
  if ("problem" in signature) return signature.problem;
  const { digest } = signature;

  const matched = secrets.some((secret) => macMatchesAny(hmac("sha256", secret, [request.body]), [digest]));
  if (!matched) return invalid(reason.noSecretMatches());
  const millis = webhookTimestamp(request.body);
  if (millis === null) return invalid(reason.malformedBody("no numeric webhookTimestamp field"));
  return checkTolerance(millis, request.receivedAt, options.toleranceSeconds) ?? valid();
}

function webhookTimestamp(body: Uint8Array): number | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(body).toString("utf8"));
    if (typeof parsed !== "object" || parsed === null || !("webhookTimestamp" in parsed)) return null;
    const value = parsed.webhookTimestamp;
    return typeof value === "number" && Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}
