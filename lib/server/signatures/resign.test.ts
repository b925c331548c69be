import Stripe from "stripe";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { verifySignature } from "./index.ts";
import { resignRequest } from "./resign.ts";

const stripe = new Stripe("sk_test_unused");
const body = Buffer.from(JSON.stringify({ id: "evt_1", amount: 42 }));
const now = Math.floor(Date.now() / 1000);
const hourAgo = now - 3600;

describe("resignRequest", () => {
  it("Stripe: an hour-old signature becomes one the stripe package accepts now, in place", () => {
    const secret = "whsec_resign_test";
    const old = stripe.webhooks.generateTestHeaderString({ payload: body.toString(), secret, timestamp: hourAgo });
    const headers: [string, string][] = [["Content-Type", "application/json"], ["Stripe-Signature", old], ["X-After", "1"]];
    expect(() => stripe.webhooks.constructEvent(body, old, secret)).toThrow();
    const result = resignRequest("stripe", { headers, body, secret, nowSeconds: now });
    if (!("headers" in result)) throw new Error(result.problem);
    expect(result.headers.map(([name]) => name)).toEqual(["Content-Type", "Stripe-Signature", "X-After"]);
    expect(stripe.webhooks.constructEvent(body, result.headers[1]![1], secret).id).toBe("evt_1");
  });

  it("Standard Webhooks: keeps the message id, signs a fresh timestamp", () => {
    const secret = `whsec_${Buffer.from("0123456789abcdef0123456789abcdef").toString("base64")}`;
    const headers: [string, string][] = [["webhook-id", "msg_1"], ["webhook-timestamp", String(hourAgo)], ["webhook-signature", "v1,old"]];
    const result = resignRequest("standard-webhooks", { headers, body, secret, nowSeconds: now });
    if (!("headers" in result)) throw new Error(result.problem);
    expect(() => new Webhook(secret).verify(body.toString(), Object.fromEntries(result.headers))).not.toThrow();
  });

  it.each(["slack", "paddle", "github", "shopify"] as const)("%s: our own check accepts the new signature", (provider) => {
    const secret = "plain-secret-123";
    const result = resignRequest(provider, { headers: [], body, secret, nowSeconds: now });
    if (!("headers" in result)) throw new Error(result.problem);
    const verdict = verifySignature(provider, { method: "POST", url: "http://t/", headers: result.headers, body, receivedAt: now * 1000 }, [secret]);
    expect(verdict.status).toBe("valid");
  });

  it("says which providers it cannot re-sign", () => {
    expect(resignRequest("twilio", { headers: [], body, secret: "x", nowSeconds: now })).toEqual({
      problem: expect.stringContaining("re-signing is not supported for twilio"),
    });
  });
});
