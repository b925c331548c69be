import { verify as verifySignatureBytes, type KeyObject } from "node:crypto";
import { z } from "zod";
import { ed25519FromRaw } from "./keys.ts";
import { invalid, reason, unchecked, valid } from "./reasons.ts";
import { checkTolerance, concatBytes, decodeBase64, hasHeader, hmac, macMatchesAny, parseIntegerTimestamp, requireHeader } from "./shared.ts";
import type { Outcome, SignedRequest } from "./types.ts";

export const standardWebhooksOptionsSchema = z.strictObject({
  toleranceSeconds: z.number().int().min(1).max(86_400).default(300),
});
export type StandardWebhooksOptions = z.output<typeof standardWebhooksOptionsSchema>;

/** A configured secret: `whsec_<base64>` (or bare base64) is an HMAC key, `whpk_<base64>` an Ed25519 public key. */
type Secret = { kind: "v1"; key: Buffer } | { kind: "v1a"; key: KeyObject };

export function parseStandardSecret(secret: string): Secret | { problem: string } {
  if (secret.startsWith("whpk_")) {
    const raw = decodeBase64(secret.slice(5));
    if (!raw) return { problem: "not base64 after whpk_" };
    const parsed = ed25519FromRaw(raw);
    return "key" in parsed ? { kind: "v1a", key: parsed.key } : parsed;
  }
  // The reference libraries accept the secret with or without its whsec_ prefix.
  const key = decodeBase64(secret.startsWith("whsec_") ? secret.slice(6) : secret);
  return key && key.length > 0 ? { kind: "v1", key } : { problem: "not base64 after whsec_" };
}

/**
 * Standard Webhooks (and Svix, which sends the same scheme under `svix-*` names): `${id}.${timestamp}.${body}`
 * signed with HMAC-SHA256 (`v1,<base64>`) or Ed25519 (`v1a,<base64>`); the signature header is a space-separated
 * list so senders can sign with old and new keys during rotation. Timestamps are judged ±tolerance.
 */
export function verifyStandardWebhooks(request: SignedRequest, secrets: string[], options: StandardWebhooksOptions): Outcome {
  if (secrets.length === 0) return unchecked(reason.noSecret());
  // Svix names the headers svix-*: a Svix delivery missing its signature must be reported as missing
  // svix-signature, not as a missing webhook-signature the sender never meant to send.
  const svix = ["svix-signature", "svix-id", "svix-timestamp"].some((name) => hasHeader(request.headers, name));
  const family = !hasHeader(request.headers, "webhook-signature") && svix ? "svix" : "webhook";
  const signatureHeader = requireHeader(request, `${family}-signature`);
  if ("problem" in signatureHeader) return signatureHeader.problem;
  const idHeader = requireHeader(request, `${family}-id`);
  if ("problem" in idHeader) return idHeader.problem;
  const timestampHeader = requireHeader(request, `${family}-timestamp`);
  if ("problem" in timestampHeader) return timestampHeader.problem;

  const seconds = parseIntegerTimestamp(timestampHeader.value);
  if (seconds === null) {
    return invalid(reason.malformedHeader(`${family}-timestamp`, "not a Unix timestamp in seconds"));
  }
  const hmacSignatures: Buffer[] = [];
  const edSignatures: Buffer[] = [];
  for (const entry of signatureHeader.value.split(" ")) {
    const comma = entry.indexOf(",");
    const version = entry.slice(0, comma);
    const bytes = decodeBase64(entry.slice(comma + 1));
    if (comma < 0 || !bytes) continue;
    if (version === "v1") hmacSignatures.push(bytes);
    if (version === "v1a") edSignatures.push(bytes);
  }
  if (hmacSignatures.length + edSignatures.length === 0) {
    return invalid(reason.malformedHeader(`${family}-signature`, "no v1,<base64> or v1a,<base64> signature"));
  }

  const signed = concatBytes([`${idHeader.value}.${timestampHeader.value}.`, request.body]);
  let unusable: string | null = null;
  const matched = secrets.some((text, index) => {
    const secret = parseStandardSecret(text);
    if ("problem" in secret) {
      unusable ??= reason.unusableSecret(index, secret.problem);
      return false;
    }
    if (secret.kind === "v1") return macMatchesAny(hmac("sha256", secret.key, [signed]), hmacSignatures);
    return edSignatures.some((signature) => verifySignatureBytes(null, signed, secret.key, signature));
  });
  if (!matched) return unusable ? unchecked(unusable) : invalid(reason.noSecretMatches());
  return checkTolerance(seconds * 1000, request.receivedAt, options.toleranceSeconds) ?? valid();
}
