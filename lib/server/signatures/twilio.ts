import { createHash, createHmac } from "node:crypto";
import { z } from "zod";
import { invalid, reason, unchecked, valid } from "./reasons.ts";
import { headerValues, macEquals, macMatchesAny, requireDigestHeader } from "./shared.ts";
import type { Outcome, SignedRequest } from "./types.ts";
import { nearMissUrls, portForms } from "./urls.ts";

export const twilioOptionsSchema = z.strictObject({
  /** The webhook URL exactly as configured at Twilio, when it differs from the captured one (e.g. behind a proxy). */
  url: z.url({ protocol: /^https?$/ }).optional(),
});
export type TwilioOptions = z.output<typeof twilioOptionsSchema>;

const HEADER = "X-Twilio-Signature";
const BODY_HASH_PARAM = "bodySHA256";

/**
 * `X-Twilio-Signature: <base64>`, HMAC-SHA1 keyed with the auth token over the full URL followed by the POST
 * form parameters sorted by name (each name then its value). JSON bodies are not in the signed string; Twilio
 * puts their SHA-256 (hex) in the URL's `bodySHA256` parameter instead. No timestamp.
 * Form parameters are decoded from the captured bytes: Twilio signs decoded values, not the raw body.
 */
export function verifyTwilio(request: SignedRequest, secrets: string[], options: TwilioOptions): Outcome {
  if (secrets.length === 0) return unchecked(reason.noSecret());
  const signature = requireDigestHeader(request, HEADER, "base64");
  if ("problem" in signature) return signature.problem;
  const { digest } = signature;

  const url = options.url ?? request.url;
  const bodyHash = searchParam(url, BODY_HASH_PARAM);
  const params = bodyHash === null ? formParams(request) : "";
  const matchesUrl = (candidate: string) => secrets.some((token) => macMatchesAny(sign(token, candidate, params), [digest]));

  if (!portForms(url).some(matchesUrl)) {
    const signedUrl = nearMissUrls(url, options.url ? [request.url] : []).find(matchesUrl);
    return invalid(signedUrl ? reason.urlDiffers(signedUrl) : reason.noSecretMatches());
  }
  if (bodyHash !== null) {
    const actual = Buffer.from(createHash("sha256").update(request.body).digest("hex"));
    if (!macEquals(actual, Buffer.from(bodyHash.toLowerCase()))) return invalid(reason.bodyHashDiffers(BODY_HASH_PARAM));
  }
  return valid();
}

function sign(token: string, url: string, params: string): Buffer {
  return createHmac("sha1", token)
    .update(url + params, "utf8")
    .digest();
}

function searchParam(url: string, name: string): string | null {
  try {
    return new URL(url).searchParams.get(name);
  } catch {
    return null;
  }
}

/**
 * The sorted name+value string of a form body, as Twilio's helper library builds it: names sorted, and a repeated
 * name's values de-duplicated and sorted. Anything but a urlencoded form contributes nothing.
 */
function formParams(request: SignedRequest): string {
  const contentType = headerValues(request, "content-type")[0] ?? "";
  if (!/^application\/x-www-form-urlencoded\b/i.test(contentType.trim())) return "";
  const byName = new Map<string, Set<string>>();
  for (const [name, value] of new URLSearchParams(Buffer.from(request.body).toString("utf8"))) {
    byName.set(name, (byName.get(name) ?? new Set()).add(value));
  }
  return [...byName.keys()]
    .sort()
    .map((name) =>
      [...byName.get(name)!]
        .sort()
        .map((value) => name + value)
        .join(""),
    )
    .join("");
}
