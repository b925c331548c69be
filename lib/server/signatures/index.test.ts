import { describe, expect, it } from "vitest";
import { detectProvider, maskSecret, providerIds, signatureConfigSchema, verifySignature } from "./index.ts";
import { expectVerdict, signedRequest } from "./testing.ts";

describe("detectProvider", () => {
  const cases: [string, string | null][] = [
    ["Stripe-Signature", "stripe"],
    ["x-hub-signature-256", "github"],
    ["X-Hub-Signature", "github"],
    ["X-Shopify-Hmac-Sha256", "shopify"],
    ["X-Slack-Signature", "slack"],
    ["webhook-signature", "standard-webhooks"],
    ["svix-signature", "standard-webhooks"],
    ["X-Twilio-Signature", "twilio"],
    ["X-Twilio-Email-Event-Webhook-Signature", "sendgrid"],
    ["Paddle-Signature", "paddle"],
    ["X-Square-HmacSha256-Signature", "square"],
    ["X-Signature-Ed25519", "discord"],
    ["Linear-Signature", "linear"],
    ["X-HubSpot-Signature-v3", "hubspot"],
    ["X-Signature", null],
  ];
  it.each(cases)("%s → %s", (header, provider) => {
    expect(
      detectProvider([
        ["Content-Type", "application/json"],
        [header, "x"],
      ]),
    ).toBe(provider);
  });

  it("finds nothing without a signature header", () => {
    expect(detectProvider([["User-Agent", "curl/8"]])).toBeNull();
  });
});

describe("maskSecret", () => {
  it("keeps the type prefix and the last 4 characters", () => {
    expect(maskSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).toBe("whsec_…LaSw");
    expect(maskSecret("pdl_ntfset_01gkpjp8bkm3tm53kdgkx6sms7")).toBe("pdl_ntfset_…sms7");
    expect(maskSecret("8f742231b10e8888abcd99yyyzzz85a5")).toBe("…85a5");
    // Underscores inside the secret are not a prefix.
    expect(maskSecret("whsec_integration_secret_0123456789")).toBe("whsec_…6789");
    expect(maskSecret("my_own_long_secret_value_1234")).toBe("…1234");
  });

  it("shows no tail for short secrets", () => {
    expect(maskSecret("whsec_short")).toBe("whsec_…");
    expect(maskSecret("hunter2")).toBe("…");
  });
});

describe("verifySignature", () => {
  it("returns the provider id with every verdict", () => {
    const request = signedRequest({ headers: [] });
    for (const provider of providerIds) {
      const options = provider === "generic-hmac" ? { header: "X-Signature" } : {};
      const verdict = verifySignature(provider, request, ["s3cret-value-for-test"], options);
      expect(verdict.provider).toBe(provider);
      expect(verdict.status).toBe("invalid");
      expect(verdict.reason).toMatch(/^missing header /);
    }
  });

  it("is unchecked for options a provider does not know", () => {
    const verdict = verifySignature("stripe", signedRequest({ headers: [] }), ["whsec_x"], { tolerance: 5 });
    expectVerdict(verdict, "unchecked", 'invalid options: Unrecognized key: "tolerance"');
  });
});

describe("signatureConfigSchema", () => {
  it("fills each provider's defaults when options are left out", () => {
    const parsed = signatureConfigSchema.parse({ provider: "paddle", secrets: ["pdl_ntfset_x"] });
    expect(parsed).toEqual({ provider: "paddle", secrets: ["pdl_ntfset_x"], options: { toleranceSeconds: 5 } });
  });

  it("rejects unknown providers, empty secrets and too many secrets", () => {
    expect(signatureConfigSchema.safeParse({ provider: "acme", secrets: [] }).success).toBe(false);
    expect(signatureConfigSchema.safeParse({ provider: "stripe", secrets: ["  "] }).success).toBe(false);
    expect(signatureConfigSchema.safeParse({ provider: "stripe", secrets: Array(11).fill("whsec_x") }).success).toBe(false);
  });
});
