import { z } from "zod";
import { invalid, reason, unchecked, valid } from "./reasons.ts";
import { checkTolerance, decodeBase64, hmac, macMatchesAny, parseIntegerTimestamp, requireHeader } from "./shared.ts";
import type { Outcome, SignedRequest } from "./types.ts";
import { nearMissUrls } from "./urls.ts";

export const hubspotOptionsSchema = z.strictObject({
  /** The webhook URL exactly as configured in the HubSpot app, when it differs from the captured one. */
  url: z.url({ protocol: /^https?$/ }).optional(),
  toleranceSeconds: z.number().int().min(1).max(86_400).default(300),
});
export type HubspotOptions = z.output<typeof hubspotOptionsSchema>;

const SIGNATURE = "X-HubSpot-Signature-v3";
const TIMESTAMP = "X-HubSpot-Request-Timestamp";

/** HubSpot's v3 guide has these escapes decoded in the URI before signing; all others stay encoded. */
const DECODED_ESCAPES: Record<string, string> = {
  "%3A": ":",
  "%2F": "/",
  "%3F": "?",
  "%40": "@",
  "%21": "!",
  "%24": "$",
  "%27": "'",
  "%28": "(",
  "%29": ")",
  "%2A": "*",
  "%2C": ",",
  "%3B": ";",
};

export function hubspotUri(url: string): string {
  return url.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (escape) => DECODED_ESCAPES[escape.toUpperCase()]!);
}

/**
 * v3: `X-HubSpot-Signature-v3: <base64>`, HMAC-SHA256 keyed with the app's client secret over
 * method + URI + body + `X-HubSpot-Request-Timestamp` (ms). HubSpot rejects requests older than five minutes.
 * The older v1/v2 signatures (unkeyed SHA-256 with the secret inside) are not checked.
 */
export function verifyHubspot(request: SignedRequest, secrets: string[], options: HubspotOptions): Outcome {
  if (secrets.length === 0) return unchecked(reason.noSecret());
  const signature = requireHeader(request, SIGNATURE);
  if ("problem" in signature) return signature.problem;
  const timestamp = requireHeader(request, TIMESTAMP);
  if ("problem" in timestamp) return timestamp.problem;
  const digest = decodeBase64(signature.value);
  if (!digest) return invalid(reason.malformedHeader(SIGNATURE, "not base64"));
  const millis = parseIntegerTimestamp(timestamp.value);
  if (millis === null) return invalid(reason.malformedHeader(TIMESTAMP, "not a Unix timestamp in milliseconds"));

  const url = options.url ?? request.url;
  // The guide has the URI decoded; HubSpot's own Node client signs whatever URL it is given, so the URL as
  // captured is tried too (the two only differ when it holds one of those escapes).
  const matchesUrl = (candidate: string) =>
    [...new Set([hubspotUri(candidate), candidate])].some((uri) => {
      const signed = [`${request.method}${uri}`, request.body, timestamp.value];
      return secrets.some((secret) => macMatchesAny(hmac("sha256", secret, signed), [digest]));
    });
  if (!matchesUrl(url)) {
    const signedUrl = nearMissUrls(url, options.url ? [request.url] : []).find(matchesUrl);
    return invalid(signedUrl ? reason.urlDiffers(signedUrl) : reason.noSecretMatches());
  }
  return checkTolerance(millis, request.receivedAt, options.toleranceSeconds, { allowFuture: true }) ?? valid();
}
