import Stripe from "stripe";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { verifySignature } from "./index.ts";
import { hideSignatures, resignRequest, resignedMarker } from "./resign.ts";

const stripe = new Stripe("sk_test_unused");
const body = Buffer.from(JSON.stringify({ id: "evt_1", amount: 42 }));
const now = Math.floor(Date.now() / 1000);
const hourAgo = now - 3600;

describe("resignRequest", () => {
  it("Stripe: an hour-old signature becomes one the stripe package accepts now, in place", () => {
    const secret = "whsec_resign_test";
    const old = stripe.webhooks.generateTestHeaderString({ payload: body.toString(), secret, timestamp: hourAgo });
    const headers: [string, string][] = [
      ["Content-Type", "application/json"],
      ["Stripe-Signature", old],
      ["X-After", "1"],
    ];
    expect(() => stripe.webhooks.constructEvent(body, old, secret)).toThrow();
    const result = resignRequest("stripe", { headers, body, secret, nowSeconds: now });
    if (!("headers" in result)) throw new Error(result.problem);
    expect(result.headers.map(([name]) => name)).toEqual(["Content-Type", "Stripe-Signature", "X-After"]);
    expect(stripe.webhooks.constructEvent(body, result.headers[1]![1], secret).id).toBe("evt_1");
  });

  it("Standard Webhooks: keeps the message id, signs a fresh timestamp", () => {
    const secret = `whsec_${Buffer.from("0123456789abcdef0123456789abcdef").toString("base64")}`;
    const headers: [string, string][] = [
      ["webhook-id", "msg_1"],
      ["webhook-timestamp", String(hourAgo)],
      ["webhook-signature", "v1,old"],
    ];
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

describe("hideSignatures", () => {
  const secret = "whsec_hide_test";
  const signed = () => {
    const result = resignRequest("stripe", {
      headers: [
        ["Content-Type", "application/json"],
        ["stripe-signature", "t=1,v1=old"],
      ],
      body,
      secret,
      nowSeconds: now,
    });
    if (!("headers" in result)) throw new Error(result.problem);
    return result;
  };

  it("names the headers holding the signatures it computed", () => {
    expect(signed().signatureHeaders).toEqual(["stripe-signature"]);
    const slack = resignRequest("slack", { headers: [], body, secret, nowSeconds: now });
    expect(slack).toMatchObject({ signatureHeaders: ["X-Slack-Signature"] });
    const github = resignRequest("github", { headers: [["X-Hub-Signature", "sha1=old"]], body, secret, nowSeconds: now });
    expect(github).toMatchObject({ signatureHeaders: ["X-Hub-Signature", "X-Hub-Signature-256"] });
  });

  it("keeps the header, in place, with the marker instead of the value", () => {
    const { headers, signatureHeaders } = signed();
    expect(hideSignatures(headers, signatureHeaders, null).sent).toEqual([
      ["Content-Type", "application/json"],
      ["stripe-signature", resignedMarker],
    ]);
  });

  it("scrubs the signature where the target's answer repeats it, whole or its digest, JSON-escaped too", () => {
    const { headers, signatureHeaders } = signed();
    const value = headers[1]![1];
    const digest = value.split("v1=")[1]!;
    const answer = {
      headers: [
        ["X-Echo", value],
        ["X-Digest", `got ${digest}`],
        ["Content-Type", "text/plain"],
      ] as [string, string][],
      body: Buffer.from(`bad signature ${value}; expected not ${digest}!`),
    };
    const shown = hideSignatures(headers, signatureHeaders, answer);
    expect(shown.answer!.headers).toEqual([
      ["X-Echo", resignedMarker],
      ["X-Digest", `got ${resignedMarker}`],
      ["Content-Type", "text/plain"],
    ]);
    expect(shown.answer!.body.toString()).toBe(`bad signature ${resignedMarker}; expected not ${resignedMarker}!`);

    const base64 = resignRequest("shopify", { headers: [], body: Buffer.from("slashes?"), secret: "s3", nowSeconds: now });
    if (!("headers" in base64)) throw new Error(base64.problem);
    const sent = base64.headers[0]![1];
    const escaped = JSON.stringify({ header: sent }).replaceAll("/", "\\/");
    const json = hideSignatures(base64.headers, base64.signatureHeaders, { headers: [], body: Buffer.from(escaped) });
    expect(json.answer!.body.toString()).toBe(JSON.stringify({ header: resignedMarker }));
  });

  it("changes nothing when nothing was re-signed", () => {
    const headers: [string, string][] = [["Stripe-Signature", "t=1,v1=captured-from-stripe-as-is"]];
    const answer = { headers, body: Buffer.from("t=1,v1=captured-from-stripe-as-is") };
    expect(hideSignatures(headers, [], answer)).toEqual({ sent: headers, answer });
  });
});
