import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hubspotUri } from "./hubspot.ts";
import { verifySignature } from "./index.ts";
import { DEFAULT_BODY, DEFAULT_URL, describeScheme, expectVerdict, hubspotScheme, RECEIVED_AT_SECONDS, signedRequest } from "./testing.ts";

// The signer and the documented algorithm it follows are in testing.ts, shared with the integration tests.
const { sign, secret: SECRET } = hubspotScheme;

describeScheme(hubspotScheme);

describe("hubspot", () => {
  it("decodes only the escapes HubSpot lists before signing the URI", () => {
    expect(hubspotUri("https://x.example/a%2Fb?q=%3A%40%20%2b%3b")).toBe("https://x.example/a/b?q=:@%20%2b;");
  });

  it("accepts a URI with escapes signed decoded (the guide) or as sent (HubSpot's Node client)", () => {
    const url = "https://hookyard.example/b/01JSIG/webhook?email=a%40b.example";
    const millis = String(RECEIVED_AT_SECONDS * 1000);
    for (const signedUri of [hubspotUri(url), url]) {
      const digest = createHmac("sha256", SECRET).update(`POST${signedUri}${DEFAULT_BODY}${millis}`).digest("base64");
      const request = signedRequest({
        url,
        headers: [
          ["X-HubSpot-Request-Timestamp", millis],
          ["X-HubSpot-Signature-v3", digest],
        ],
      });
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
