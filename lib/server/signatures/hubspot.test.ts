import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hubspotUri } from "./hubspot.ts";
import { verifySignature } from "./index.ts";
import { DEFAULT_BODY, DEFAULT_URL, describeScheme, expectVerdict, RECEIVED_AT_SECONDS, signedRequest } from "./testing.ts";

// Fallback to the documented algorithm: the official verifier (Signature.isValid) ships only in
// @hubspot/api-client, about 54 MB. HubSpot's v3 guide: base64 HMAC-SHA256 of method + URI + body + timestamp (ms),
// with a fixed set of percent-escapes decoded in the URI, and requests older than five minutes rejected.
// The signer was checked once, outside the repository, against the client's Signature.isValid (v3).
const SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy";

function sign(secret: string, timestampSeconds: number, body = DEFAULT_BODY, url = DEFAULT_URL) {
  const millis = String(timestampSeconds * 1000);
  const digest = createHmac("sha256", secret).update(`POST${hubspotUri(url)}${body}${millis}`).digest("base64");
  return signedRequest({
    url,
    body,
    headers: [["X-HubSpot-Request-Timestamp", millis], ["X-HubSpot-Signature-v3", digest]],
  });
}

describeScheme({
  provider: "hubspot",
  secret: SECRET,
  wrongSecret: "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
  sign,
  signatureHeader: "X-HubSpot-Signature-v3",
  malformed: {
    header: "X-HubSpot-Request-Timestamp",
    value: "2026-01-15T12:00:00Z",
    reason: "malformed header X-HubSpot-Request-Timestamp: not a Unix timestamp in milliseconds",
  },
  stale: { timestampSeconds: RECEIVED_AT_SECONDS - 301, reason: "timestamp 301 s outside the 300 s tolerance" },
});

describe("hubspot", () => {
  it("decodes only the escapes HubSpot lists before signing the URI", () => {
    expect(hubspotUri("https://x.example/a%2Fb?q=%3A%40%20%2b%3b")).toBe("https://x.example/a/b?q=:@%20%2b;");
  });

  it("accepts a URI with escapes signed decoded (the guide) or as sent (HubSpot's Node client)", () => {
    const url = "https://hookyard.example/b/01JSIG/webhook?email=a%40b.example";
    const millis = String(RECEIVED_AT_SECONDS * 1000);
    for (const signedUri of [hubspotUri(url), url]) {
      const digest = createHmac("sha256", SECRET).update(`POST${signedUri}${DEFAULT_BODY}${millis}`).digest("base64");
      const request = signedRequest({ url, headers: [["X-HubSpot-Request-Timestamp", millis], ["X-HubSpot-Signature-v3", digest]] });
      expectVerdict(verifySignature("hubspot", request, [SECRET]), "valid");
    }
  });

  it("signs the method too", () => {
    const request = sign(SECRET, RECEIVED_AT_SECONDS);
    expectVerdict(verifySignature("hubspot", { ...request, method: "PUT" }, [SECRET]), "invalid", "no secret matches: body or secret differs");
  });

  it("names the URL HubSpot signed when it differs from the captured one", () => {
    const request = sign(SECRET, RECEIVED_AT_SECONDS, DEFAULT_BODY, DEFAULT_URL.replace("?src=test", ""));
    expectVerdict(
      verifySignature("hubspot", { ...request, url: DEFAULT_URL }, [SECRET]),
      "invalid",
      `signed URL differs from the captured URL: the signature is for ${DEFAULT_URL.replace("?src=test", "")}`,
    );
  });
});
