import { verify } from "node:crypto";
import { z } from "zod";
import { ecdsaP256FromText } from "./keys.ts";
import { invalid, reason, unchecked, valid } from "./reasons.ts";
import { concatBytes, decodeBase64, requireHeader } from "./shared.ts";
import type { Outcome, SignedRequest } from "./types.ts";

export const sendgridOptionsSchema = z.strictObject({});
export type SendgridOptions = z.output<typeof sendgridOptionsSchema>;

const SIGNATURE = "X-Twilio-Email-Event-Webhook-Signature";
const TIMESTAMP = "X-Twilio-Email-Event-Webhook-Timestamp";

/**
 * SendGrid Event Webhook: ECDSA P-256 with SHA-256 over timestamp + body; the signature header is base64 DER and
 * the verification key (a public key) is base64 DER or PEM. SendGrid documents no timestamp tolerance.
 */
export function verifySendgrid(request: SignedRequest, publicKeys: string[], _options: SendgridOptions): Outcome {
  if (publicKeys.length === 0) return unchecked(reason.noSecret());
  const signature = requireHeader(request, SIGNATURE);
  if ("problem" in signature) return signature.problem;
  const timestamp = requireHeader(request, TIMESTAMP);
  if ("problem" in timestamp) return timestamp.problem;
  const bytes = decodeBase64(signature.value);
  if (!bytes) return invalid(reason.malformedHeader(SIGNATURE, "not base64"));

  const signed = concatBytes([timestamp.value, request.body]);
  let unusable: string | null = null;
  const matched = publicKeys.some((text, index) => {
    const parsed = ecdsaP256FromText(text);
    if ("problem" in parsed) {
      unusable ??= reason.unusableKey(index, parsed.problem);
      return false;
    }
    // A DER blob that is not a valid ECDSA signature makes verify throw; that is simply no match.
    try {
      return verify("sha256", signed, { key: parsed.key, dsaEncoding: "der" }, bytes);
    } catch {
      return false;
    }
  });
  if (matched) return valid();
  return unusable ? unchecked(unusable) : invalid(reason.noKeyMatches());
}
