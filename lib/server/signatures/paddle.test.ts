import { Paddle } from "@paddle/paddle-node-sdk";
import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { verifySignature } from "./index.ts";
import { DEFAULT_BODY, describeScheme, expectVerdict, RECEIVED_AT, RECEIVED_AT_SECONDS, signedRequest } from "./testing.ts";

// The Paddle SDK only verifies, so signatures follow Paddle's documented algorithm (h1 = hex HMAC-SHA256 of
// `${ts}:${body}`) and every signer output is cross-checked with the SDK's Webhooks.isSignatureValid.
const SECRET = "pdl_ntfset_01gkpjp8bkm3tm53kdgkx6sms7_6h3qd3uFSi9YCD3OLYAShQI90XTI2F0f";

function sign(secret: string, timestamp: number, body = DEFAULT_BODY) {
  const h1 = createHmac("sha256", secret).update(`${timestamp}:${body}`).digest("hex");
  return signedRequest({ body, headers: [["Paddle-Signature", `ts=${timestamp};h1=${h1}`]] });
}

describeScheme({
  provider: "paddle",
  secret: SECRET,
  wrongSecret: "pdl_ntfset_01other_secret",
  sign,
  signatureHeader: "Paddle-Signature",
  malformed: { header: "Paddle-Signature", value: "h1=abcd", reason: "malformed header Paddle-Signature: no ts= timestamp" },
  stale: { timestampSeconds: RECEIVED_AT_SECONDS - 6, reason: "timestamp 6 s outside the 5 s tolerance" },
});

describe("paddle", () => {
  afterEach(() => vi.useRealTimers());

  it("signs the way Paddle's SDK verifies", async () => {
    vi.useFakeTimers({ now: RECEIVED_AT });
    const request = sign(SECRET, RECEIVED_AT_SECONDS - 1);
    const header = request.headers[0]![1];
    // Constructing the client is what selects the SDK's Node crypto provider; the API key is never used.
    const { webhooks } = new Paddle("pdl_sdbx_apikey_unused");
    expect(await webhooks.isSignatureValid(DEFAULT_BODY, SECRET, header)).toBe(true);
    expect(await webhooks.isSignatureValid(DEFAULT_BODY, "pdl_ntfset_01other_secret", header)).toBe(false);
    expectVerdict(verifySignature("paddle", request, [SECRET]), "valid");
  });

  it("accepts any of several h1 entries", () => {
    const request = sign(SECRET, RECEIVED_AT_SECONDS);
    const header = request.headers[0]![1].replace(";h1=", `;h1=${"ab".repeat(32)};h1=`);
    expectVerdict(verifySignature("paddle", { ...request, headers: [["Paddle-Signature", header]] }, [SECRET]), "valid");
  });
});
