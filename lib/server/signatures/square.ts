import { z } from "zod";
import { invalid, reason, unchecked, valid } from "./reasons.ts";
import { hmac, macMatchesAny, requireDigestHeader } from "./shared.ts";
import type { Outcome, SignedRequest } from "./types.ts";
import { nearMissUrls } from "./urls.ts";

export const squareOptionsSchema = z.strictObject({
  /** The notification URL exactly as entered in the Square subscription, when it differs from the captured one. */
  url: z.url({ protocol: /^https?$/ }).optional(),
});
export type SquareOptions = z.output<typeof squareOptionsSchema>;

const HEADER = "x-square-hmacsha256-signature";

/** `x-square-hmacsha256-signature: <base64>`, HMAC-SHA256 over notification URL + body with the signature key. */
export function verifySquare(request: SignedRequest, secrets: string[], options: SquareOptions): Outcome {
  if (secrets.length === 0) return unchecked(reason.noSecret());
  const signature = requireDigestHeader(request, HEADER, "base64");
  if ("problem" in signature) return signature.problem;
  const { digest } = signature;

  const url = options.url ?? request.url;
  const matchesUrl = (candidate: string) => secrets.some((key) => macMatchesAny(hmac("sha256", key, [candidate, request.body]), [digest]));
  if (matchesUrl(url)) return valid();
  const signedUrl = nearMissUrls(url, options.url ? [request.url] : []).find(matchesUrl);
  return invalid(signedUrl ? reason.urlDiffers(signedUrl) : reason.noSecretMatches());
}
