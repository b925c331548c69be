import { Webhook as StandardWebhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import { describe, expect, it } from "vitest";
import { signatureConfigSchema, verifySignature } from "./index.ts";
import {
  DEFAULT_BODY,
  describeScheme,
  expectVerdict,
  RECEIVED_AT_SECONDS,
  signedRequest,
  standardWebhooksScheme,
  standardWebhooksV1aScheme,
  svixScheme,
} from "./testing.ts";

// The signers (standardwebhooks, svix, and Ed25519 v1a per the spec) are in testing.ts, shared with the
// integration tests.
const { sign, secret: SECRET } = standardWebhooksScheme;
const MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";

describeScheme(standardWebhooksScheme);
describeScheme(svixScheme);
describeScheme(standardWebhooksV1aScheme);

describe("standard-webhooks", () => {
  it("agrees with the reference verifier", () => {
    const now = Math.floor(Date.now() / 1000);
    const request = sign(SECRET, now);
    const headers = Object.fromEntries(request.headers);
    expect(() => new StandardWebhook(SECRET).verify(DEFAULT_BODY, headers)).not.toThrow();
    expectVerdict(verifySignature("standard-webhooks", { ...request, receivedAt: now * 1000 }, [SECRET]), "valid");
  });

  it("verifies Svix's svix-* headers signed by the svix library", () => {
    const signature = new SvixWebhook(SECRET).sign(MSG_ID, new Date(RECEIVED_AT_SECONDS * 1000), DEFAULT_BODY);
    const request = signedRequest({
      headers: [
        ["svix-id", MSG_ID],
        ["svix-timestamp", String(RECEIVED_AT_SECONDS)],
        ["svix-signature", signature],
      ],
    });
    expectVerdict(verifySignature("standard-webhooks", request, [SECRET]), "valid");
    const noId = { ...request, headers: request.headers.filter(([name]) => name !== "svix-id") };
    expectVerdict(verifySignature("standard-webhooks", noId, [SECRET]), "invalid", "missing header svix-id");
  });

  it("rejects timestamps too far in the future as well", () => {
    expectVerdict(
      verifySignature("standard-webhooks", sign(SECRET, RECEIVED_AT_SECONDS + 400), [SECRET]),
      "invalid",
      "timestamp 400 s in the future, outside the 300 s tolerance",
    );
  });

  it("accepts a secret without its whsec_ prefix, as the reference libraries do", () => {
    expectVerdict(verifySignature("standard-webhooks", sign(SECRET, RECEIVED_AT_SECONDS), [SECRET.slice(6)]), "valid");
  });

  it("finds the matching entry in a space-separated list", () => {
    const request = sign(SECRET, RECEIVED_AT_SECONDS);
    const headers = request.headers.map(([k, v]): [string, string] => [k, k === "webhook-signature" ? `v1,${"A".repeat(44)} ${v}` : v]);
    expectVerdict(verifySignature("standard-webhooks", { ...request, headers }, [SECRET]), "valid");
  });

  it("v1a: verifies with a whpk_ public key alongside an HMAC secret", () => {
    const request = standardWebhooksV1aScheme.sign(standardWebhooksV1aScheme.secret, RECEIVED_AT_SECONDS);
    expectVerdict(verifySignature("standard-webhooks", request, [SECRET, standardWebhooksV1aScheme.secret]), "valid");
  });

  it("reports an unusable secret as unchecked, and the schema rejects it without quoting it", () => {
    const verdict = verifySignature("standard-webhooks", sign(SECRET, RECEIVED_AT_SECONDS), ["whsec_not*base64"]);
    expectVerdict(verdict, "unchecked", "secret #1 is unusable: not base64 after whsec_");
    const parsed = signatureConfigSchema.safeParse({ provider: "standard-webhooks", secrets: ["whsec_not*base64"] });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).not.toContain("not*base64");
  });
});
