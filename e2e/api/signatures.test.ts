import { sign as githubSign } from "@octokit/webhooks-methods";
import { Webhook as StandardWebhook } from "standardwebhooks";
import Stripe from "stripe";
import twilio from "twilio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BinDto, SignatureVerdict } from "@/lib/types";
import { api, captureOk, createBin, getRequest, listRequests, type CaptureOptions } from "../support/factories";
import { startTestServer, type TestServer } from "../support/server";
import { openStream } from "../support/sse";

const stripe = new Stripe("sk_test_unused");
const stripeSecret = "whsec_integration_secret_0123456789";
const payload = JSON.stringify({ id: "evt_1", type: "invoice.paid", data: { amount: 4200, note: "café ✓" } });

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.dispose());

async function patchSignature(binId: string, signature: unknown) {
  return api(server.baseUrl, `/api/bins/${binId}`, {
    method: "PATCH",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ signature }),
  });
}

/** A bin with the given check, ready to receive signed requests. */
async function binWithCheck(provider: string, secrets: string[], options?: unknown) {
  const bin = await createBin(server.baseUrl);
  const response = await patchSignature(bin.id, { provider, secrets, options });
  expect(response.status).toBe(200);
  return bin;
}

async function verdictOf(binId: string, options: CaptureOptions): Promise<SignatureVerdict> {
  const id = await captureOk(server.baseUrl, binId, options);
  return (await getRequest(server.baseUrl, binId, id)).signature;
}

const stripeHeader = (timestamp?: number, body = payload, secret = stripeSecret) =>
  stripe.webhooks.generateTestHeaderString({ payload: body, secret, ...(timestamp ? { timestamp } : {}) });

const jsonPost = (headers: Record<string, string>, body = payload): CaptureOptions => ({
  path: "/webhook",
  headers: { "Content-Type": "application/json", ...headers },
  body,
});

describe("Stripe over real HTTP", () => {
  it("judges a request signed by the stripe package valid, in the detail and in the list", async () => {
    const bin = await binWithCheck("stripe", [stripeSecret]);
    expect(await verdictOf(bin.id, jsonPost({ "Stripe-Signature": stripeHeader() }))).toEqual({ provider: "stripe", status: "valid", reason: null });
    expect((await listRequests(server.baseUrl, bin.id)).requests[0]!.signature.status).toBe("valid");
  });

  it("gives the reason for each way a signature fails", async () => {
    const bin = await binWithCheck("stripe", [stripeSecret]);
    const changedBody = payload.replace("4200", "4201");
    expect(await verdictOf(bin.id, jsonPost({ "Stripe-Signature": stripeHeader() }, changedBody))).toMatchObject({
      status: "invalid",
      reason: "no secret matches: body or secret differs",
    });
    expect(await verdictOf(bin.id, jsonPost({ "Stripe-Signature": stripeHeader(undefined, payload, "whsec_someone_else") }))).toMatchObject({
      status: "invalid",
      reason: "no secret matches: body or secret differs",
    });
    const stale = await verdictOf(bin.id, jsonPost({ "Stripe-Signature": stripeHeader(Math.floor(Date.now() / 1000) - 1_000) }));
    expect(stale.status).toBe("invalid");
    expect(stale.reason).toMatch(/^timestamp 1\d{3} s outside the 300 s tolerance$/);
    expect(await verdictOf(bin.id, jsonPost({}))).toMatchObject({ status: "invalid", reason: "missing header Stripe-Signature" });
    const malformed = await verdictOf(bin.id, jsonPost({ "Stripe-Signature": "v1=abc" }));
    expect(malformed.status).toBe("invalid");
    expect(malformed.reason).toMatch(/^malformed header Stripe-Signature/);
  });

  it("passes when any of several secrets matches, and re-judges every capture when the secret changes", async () => {
    const bin = await binWithCheck("stripe", ["whsec_old_rotated_secret_0000", stripeSecret]);
    const id = await captureOk(server.baseUrl, bin.id, jsonPost({ "Stripe-Signature": stripeHeader() }));
    expect((await getRequest(server.baseUrl, bin.id, id)).signature.status).toBe("valid");

    const stream = await openStream(server.baseUrl, bin.id);
    expect((await patchSignature(bin.id, { provider: "stripe", secrets: ["whsec_a_different_secret_00"] })).status).toBe(200);
    await stream.waitFor((message) => message.kind === "event" && message.event === "bin-updated");
    stream.close();
    expect((await getRequest(server.baseUrl, bin.id, id)).signature).toEqual({
      provider: "stripe",
      status: "invalid",
      reason: "no secret matches: body or secret differs",
    });

    // The verdict is judged at receipt: it does not go stale as the capture ages.
    expect((await patchSignature(bin.id, { provider: "stripe", secrets: [stripeSecret] })).status).toBe(200);
    expect((await getRequest(server.baseUrl, bin.id, id)).signature.status).toBe("valid");

    expect((await patchSignature(bin.id, null)).status).toBe(200);
    expect((await getRequest(server.baseUrl, bin.id, id)).signature).toEqual({
      provider: null,
      status: "unchecked",
      reason: "no signature check configured for this bin",
    });
  });
});

describe("other providers over real HTTP", () => {
  it("GitHub: sha256 signature from @octokit/webhooks-methods", async () => {
    const secret = "github-webhook-secret";
    const bin = await binWithCheck("github", [secret]);
    const signature = await githubSign(secret, payload);
    expect((await verdictOf(bin.id, jsonPost({ "X-Hub-Signature-256": signature }))).status).toBe("valid");
    expect((await verdictOf(bin.id, jsonPost({ "X-Hub-Signature-256": signature }, `${payload} `))).status).toBe("invalid");
  });

  it("Standard Webhooks: signature from the standardwebhooks package", async () => {
    const secret = `whsec_${Buffer.from("a standard webhooks key 32 bytes").toString("base64")}`;
    const bin = await binWithCheck("standard-webhooks", [secret]);
    const messageId = "msg_2b0Q1";
    const now = new Date();
    const signature = new StandardWebhook(secret).sign(messageId, now, payload);
    const headers = { "webhook-id": messageId, "webhook-timestamp": String(Math.floor(now.getTime() / 1000)), "webhook-signature": signature };
    expect((await verdictOf(bin.id, jsonPost(headers))).status).toBe("valid");
  });

  it("Twilio: signs the URL as captured, so the form post verifies against it", async () => {
    const authToken = "twilio-auth-token-0123456789abcd";
    const bin = await binWithCheck("twilio", [authToken]);
    const params = { From: "+15551234567", Body: "hello & goodbye", To: "+15557654321" };
    // What Twilio would sign: the URL it called, as the capture records it (Host as sent).
    const url = `${server.baseUrl}/b/${bin.id}/sms?account=1`;
    const signature = twilio.getExpectedTwilioSignature(authToken, url, params);
    const options: CaptureOptions = {
      path: "/sms",
      query: "account=1",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature },
      body: new URLSearchParams(params).toString(),
    };
    expect((await verdictOf(bin.id, options)).status).toBe("valid");
    expect((await verdictOf(bin.id, { ...options, query: "account=2" })).status).toBe("invalid");
  });
});

describe("signature settings API", () => {
  it("never returns a secret in full: the bin shows masked hints", async () => {
    const bin = await binWithCheck("stripe", [stripeSecret]);
    const fetched = await api(server.baseUrl, `/api/bins/${bin.id}`);
    expect((fetched.json as BinDto).signature).toEqual({ provider: "stripe", secretHints: ["whsec_…6789"], options: { toleranceSeconds: 300 } });
    expect(fetched.text).not.toContain(stripeSecret.slice(6));
    const page = await fetch(`${server.baseUrl}/bins/${bin.id}`);
    expect(await page.text()).not.toContain(stripeSecret.slice(6));
  });

  it("checks a capture once with a typed-in secret and saves nothing", async () => {
    const bin = await createBin(server.baseUrl);
    const id = await captureOk(server.baseUrl, bin.id, jsonPost({ "Stripe-Signature": stripeHeader() }));
    const detail = await getRequest(server.baseUrl, bin.id, id);
    expect(detail.suggestedProvider).toBe("stripe");
    expect(detail.signature.provider).toBeNull();

    const verify = (secret: string) =>
      api(server.baseUrl, `/api/bins/${bin.id}/requests/${id}/verify`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ provider: "stripe", secret }),
      });
    expect((await verify(stripeSecret)).json).toEqual({ provider: "stripe", status: "valid", reason: null });
    expect((await verify("whsec_wrong_secret_000000")).json).toMatchObject({ status: "invalid", reason: "no secret matches: body or secret differs" });
    expect(((await api(server.baseUrl, `/api/bins/${bin.id}`)).json as BinDto).signature).toBeNull();
    expect((await getRequest(server.baseUrl, bin.id, id)).signature.provider).toBeNull();
  });

  it("answers bad settings with 4xx problems that never quote the secret", async () => {
    const bin = await createBin(server.baseUrl);
    const unknown = await patchSignature(bin.id, { provider: "acme", secrets: ["x"] });
    expect(unknown.status).toBe(422);
    expect(unknown.json).toMatchObject({ error: "validation_failed" });

    const badKey = "not-a-standard-webhooks-secret-value";
    const rejected = await patchSignature(bin.id, { provider: "standard-webhooks", secrets: [badKey] });
    expect(rejected.status).toBe(422);
    expect(rejected.text).not.toContain(badKey);

    const malformed = await api(server.baseUrl, `/api/bins/${bin.id}`, { method: "PATCH", headers: { "Content-Type": "application/json" }, body: "{" });
    expect(malformed.status).toBe(400);
    expect(malformed.json).toMatchObject({ error: "bad_request" });

    expect((await patchSignature("AAAAAAAAAAAAAAAAAAAAAA", { provider: "github", secrets: ["s"] })).status).toBe(404);
  });
});
