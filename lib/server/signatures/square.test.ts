import { createHmac } from "node:crypto";
import { describe, it } from "vitest";
import { verifySignature } from "./index.ts";
import { DEFAULT_BODY, DEFAULT_URL, describeScheme, expectVerdict, signedRequest } from "./testing.ts";

// Fallback to the documented algorithm: Square's verifier (WebhooksHelper.verifySignature) ships only in the
// `square` SDK, about 80 MB with a bundled legacy SDK. Square's docs: base64 HMAC-SHA256 of notification URL + body.
// The signer was checked once, outside the repository, against the SDK's WebhooksHelper.verifySignature.
const KEY = "Ibxx_5AKakO-3qeNVR61Dw";

function sign(key: string, _timestamp: number, body = DEFAULT_BODY, url = DEFAULT_URL) {
  const digest = createHmac("sha256", key).update(url + body).digest("base64");
  return signedRequest({ url, body, headers: [["x-square-hmacsha256-signature", digest]] });
}

describeScheme({
  provider: "square",
  secret: KEY,
  wrongSecret: "wrong_signature_key_1234",
  sign,
  signatureHeader: "x-square-hmacsha256-signature",
  malformed: { header: "x-square-hmacsha256-signature", value: "no/base64?", reason: "malformed header x-square-hmacsha256-signature: not base64" },
});

describe("square", () => {
  it("matches the example in Square's SDK tests", () => {
    const body =
      '{"merchant_id":"MLEFBHHSJGVHD","type":"webhooks.test_notification","event_id":"ac3ac95b-f97d-458c-a6e6-18981597e05f","created_at":"2022-07-13T20:30:59.037339943Z","data":{"type":"webhooks","id":"bc368e64-01aa-407e-b46e-3231809b1129"}}';
    const request = signedRequest({
      url: "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9",
      body,
      headers: [["x-square-hmacsha256-signature", "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4="]],
    });
    expectVerdict(verifySignature("square", request, [KEY]), "valid");
  });

  it("names the configured notification URL when the signature is for it", () => {
    const signedFor = "https://public.example/hooks/square";
    const request = sign(KEY, 0, DEFAULT_BODY, signedFor);
    const captured = { ...request, url: DEFAULT_URL };
    expectVerdict(verifySignature("square", captured, [KEY], { url: signedFor }), "valid");
    expectVerdict(
      verifySignature("square", { ...request, url: "http://public.example/hooks/square" }, [KEY]),
      "invalid",
      `signed URL differs from the captured URL: the signature is for ${signedFor}`,
    );
  });
});
