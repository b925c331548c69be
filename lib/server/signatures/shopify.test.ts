import { createHmac } from "node:crypto";
import { describe, it } from "vitest";
import { verifySignature } from "./index.ts";
import { DEFAULT_BODY, describeScheme, expectVerdict, signedRequest } from "./testing.ts";

// Fallback to the documented algorithm: Shopify's only official verifier is @shopify/shopify-api (about 30 MB
// with its GraphQL clients, and it must be configured as a whole app). Its docs: base64 HMAC-SHA256 of the raw body.
const SECRET = "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";

function sign(secret: string, _timestamp: number, body = DEFAULT_BODY) {
  const digest = createHmac("sha256", secret).update(body, "utf8").digest("base64");
  return signedRequest({ body, headers: [["X-Shopify-Topic", "orders/create"], ["X-Shopify-Hmac-Sha256", digest]] });
}

describeScheme({
  provider: "shopify",
  secret: SECRET,
  wrongSecret: "shpss_wrong",
  sign,
  signatureHeader: "X-Shopify-Hmac-Sha256",
  malformed: { header: "X-Shopify-Hmac-Sha256", value: "not base64!", reason: "malformed header X-Shopify-Hmac-Sha256: not base64" },
});

describe("shopify", () => {
  it("finds the header whatever its case on the wire", () => {
    const request = sign(SECRET, 0);
    const lower = request.headers.map(([k, v]): [string, string] => [k.toLowerCase(), v]);
    expectVerdict(verifySignature("shopify", { ...request, headers: lower }, [SECRET]), "valid");
  });
});
