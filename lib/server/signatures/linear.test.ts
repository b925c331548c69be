import { LinearWebhookClient } from "@linear/sdk/webhooks";
import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { verifySignature } from "./index.ts";
import { describeScheme, expectVerdict, RECEIVED_AT, RECEIVED_AT_SECONDS, signedRequest } from "./testing.ts";

// @linear/sdk only verifies (LinearWebhookClient.verify), so signatures follow Linear's docs (hex HMAC-SHA256 of
// the body, webhookTimestamp in ms inside it) and are cross-checked with the SDK's verifier.
const SECRET = "lin_wh_4f2a9c8e7d6b5a4f3e2d1c0b9a8f7e6d";

const bodyAt = (timestampSeconds: number) =>
  `{"action":"create","type":"Issue","data":{"id":"abc","title":"caf\u00e9"},"webhookTimestamp":${timestampSeconds * 1000}}`;

function sign(secret: string, timestampSeconds: number, body = bodyAt(timestampSeconds)) {
  const digest = createHmac("sha256", secret).update(body).digest("hex");
  return signedRequest({ body, headers: [["Linear-Delivery", "d1"], ["Linear-Signature", digest]] });
}

describeScheme({
  provider: "linear",
  secret: SECRET,
  wrongSecret: "lin_wh_other",
  sign,
  signatureHeader: "Linear-Signature",
  malformed: { header: "Linear-Signature", value: "sha256=abc", reason: "malformed header Linear-Signature: not hex" },
  stale: { timestampSeconds: RECEIVED_AT_SECONDS - 61, reason: "timestamp 61 s outside the 60 s tolerance" },
});

describe("linear", () => {
  afterEach(() => vi.useRealTimers());

  it("agrees with LinearWebhookClient.verify", () => {
    vi.useFakeTimers({ now: RECEIVED_AT });
    const request = sign(SECRET, RECEIVED_AT_SECONDS - 5);
    const client = new LinearWebhookClient(SECRET);
    expect(client.verify(Buffer.from(request.body), request.headers[1]![1])).toBe(true);
    expect(() => new LinearWebhookClient("lin_wh_other").verify(Buffer.from(request.body), request.headers[1]![1])).toThrow();
    expectVerdict(verifySignature("linear", request, [SECRET]), "valid");
  });

  it("reports a signed body without webhookTimestamp", () => {
    expectVerdict(verifySignature("linear", sign(SECRET, 0, '{"type":"Issue"}'), [SECRET]), "invalid", "malformed body: no numeric webhookTimestamp field");
  });

  it("rejects a timestamp a minute ahead too", () => {
    expectVerdict(verifySignature("linear", sign(SECRET, RECEIVED_AT_SECONDS + 90), [SECRET]), "invalid", "timestamp 90 s in the future, outside the 60 s tolerance");
  });
});
