import { z } from "zod";
import { invalid, reason, unchecked, valid } from "./reasons.ts";
import { hmac, macMatchesAny, requireDigestHeader } from "./shared.ts";
import type { Outcome, SignedRequest } from "./types.ts";

export const shopifyOptionsSchema = z.strictObject({});
export type ShopifyOptions = z.output<typeof shopifyOptionsSchema>;

const HEADER = "X-Shopify-Hmac-Sha256";

/** `X-Shopify-Hmac-Sha256: <base64>`, HMAC-SHA256 of the body keyed with the app's client secret. No timestamp. */
export function verifyShopify(request: SignedRequest, secrets: string[], _options: ShopifyOptions): Outcome {
  if (secrets.length === 0) return unchecked(reason.noSecret());
  const signature = requireDigestHeader(request, HEADER, "base64");
  if ("problem" in signature) return signature.problem;
  const { digest } = signature;

  const matched = secrets.some((secret) => macMatchesAny(hmac("sha256", secret, [request.body]), [digest]));
  return matched ? valid() : invalid(reason.noSecretMatches());
}
