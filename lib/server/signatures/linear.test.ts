import { LinearWebhookClient } from "@linear/sdk/webhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { verifySignature } from "./index.ts";
import { describeScheme, expectVerdict, linearScheme, RECEIVED_AT, RECEIVED_AT_SECONDS } from "./testing.ts";

// The signer (Linear's documented algorithm) is in testing.ts, shared with the integration tests; here it is
// cross-checked with the SDK's LinearWebhookClient.verify.
const { sign, secret: SECRET } = linearScheme;

describeScheme(linearScheme);

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
    expectVerdict(
      verifySignature("linear", sign(SECRET, RECEIVED_AT_SECONDS + 90), [SECRET]),
      "invalid",
      "timestamp 90 s in the future, outside the 60 s tolerance",
    );
  });
});
