import { verify } from "node:crypto";
import { z } from "zod";
import { ed25519FromHex } from "./keys.ts";
import { invalid, reason, unchecked, valid } from "./reasons.ts";
import { concatBytes, decodeHex, requireHeader } from "./shared.ts";
import type { Outcome, SignedRequest } from "./types.ts";

export const discordOptionsSchema = z.strictObject({});
export type DiscordOptions = z.output<typeof discordOptionsSchema>;

const SIGNATURE = "X-Signature-Ed25519";
const TIMESTAMP = "X-Signature-Timestamp";

/**
 * Discord interactions and webhook events: Ed25519 over timestamp + body, verified with the application's public
 * key (64 hex digits), so the "secrets" here are public keys. Discord documents no timestamp tolerance.
 */
export function verifyDiscord(request: SignedRequest, publicKeys: string[], _options: DiscordOptions): Outcome {
  if (publicKeys.length === 0) return unchecked(reason.noSecret());
  const signature = requireHeader(request, SIGNATURE);
  if ("problem" in signature) return signature.problem;
  const timestamp = requireHeader(request, TIMESTAMP);
  if ("problem" in timestamp) return timestamp.problem;
  const bytes = decodeHex(signature.value);
  if (!bytes || bytes.length !== 64) return invalid(reason.malformedHeader(SIGNATURE, "expected 128 hex digits"));

  const signed = concatBytes([timestamp.value, request.body]);
  let unusable: string | null = null;
  const matched = publicKeys.some((text, index) => {
    const parsed = ed25519FromHex(text);
    if ("problem" in parsed) {
      unusable ??= reason.unusableKey(index, parsed.problem);
      return false;
    }
    return verify(null, signed, parsed.key, bytes);
  });
  if (matched) return valid();
  return unusable ? unchecked(unusable) : invalid(reason.noKeyMatches());
}
