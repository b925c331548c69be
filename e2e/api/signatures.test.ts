import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allSchemes, mismatchOf, missingOf, staleReason, withFlippedByte, withHeader, withoutHeader } from "@/lib/server/signatures/testing";
import type { SignedRequest } from "@/lib/server/signatures/types";
import type { BinDto, RequestDetail, SignatureVerdict } from "@/lib/types";
import { api, captureOk, createBin, getRequest, listRequests, patchBin, type CaptureOptions, type CreatedBin } from "../support/factories";
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
  return patchBin(server.baseUrl, binId, { signature });
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

const stripeHeader = () => stripe.webhooks.generateTestHeaderString({ payload, secret: stripeSecret });

const jsonPost = (headers: Record<string, string>): CaptureOptions => ({
  path: "/webhook",
  headers: { "Content-Type": "application/json", ...headers },
  body: payload,
});

describe("Stripe over real HTTP", () => {
  it("judges a request signed by the stripe package valid, in the detail and in the list", async () => {
    const bin = await binWithCheck("stripe", [stripeSecret]);
    expect(await verdictOf(bin.id, jsonPost({ "Stripe-Signature": stripeHeader() }))).toEqual({ provider: "stripe", status: "valid", reason: null });
    expect((await listRequests(server.baseUrl, bin.id)).requests[0]!.signature.status).toBe("valid");
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

/** Sends a request built by a scheme's signer to the bin whose URL it was signed for. */
async function send(binId: string, signed: SignedRequest): Promise<RequestDetail> {
  const binUrl = `${server.baseUrl}/b/${binId}`;
  if (!signed.url.startsWith(binUrl)) throw new Error(`signed for ${signed.url}, not for a URL of bin ${binId}`);
  const id = await captureOk(server.baseUrl, binId, {
    method: signed.method,
    path: signed.url.slice(binUrl.length),
    headers: Object.fromEntries(signed.headers),
    body: signed.body,
  });
  return getRequest(server.baseUrl, binId, id);
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

// Every scheme and variant, signed by the same builders the unit tests use, through the same assertions.
describe.each(allSchemes)("$label over real HTTP", (scheme) => {
  let bin: CreatedBin;
  let url: string;
  beforeAll(async () => {
    bin = await binWithCheck(scheme.provider, [scheme.secret], scheme.options);
    url = `${server.baseUrl}/b/${bin.id}/webhook?src=integration`;
  });
  const signNow = (secret = scheme.secret) => scheme.sign(secret, nowSeconds(), undefined, url);
  const expectInvalid = (detail: RequestDetail, reason: string) => expect(detail.signature).toEqual({ provider: scheme.provider, status: "invalid", reason });

  it("judges a correctly signed request valid", async () => {
    expect((await send(bin.id, await signNow())).signature).toEqual({ provider: scheme.provider, status: "valid", reason: null });
  });

  it("rejects a one-byte change of the body", async () => {
    expectInvalid(await send(bin.id, withFlippedByte(await signNow())), scheme.bodyChangeReason ?? mismatchOf(scheme));
  });

  it("rejects a signature made with another secret", async () => {
    expectInvalid(await send(bin.id, await signNow(scheme.wrongSecret)), mismatchOf(scheme));
  });

  it("reports a missing signature header", async () => {
    expectInvalid(await send(bin.id, withoutHeader(await signNow(), scheme.signatureHeader)), missingOf(scheme));
  });

  it("reports a malformed header", async () => {
    const { header, value, reason } = scheme.malformed;
    expectInvalid(await send(bin.id, withHeader(await signNow(), header, value)), reason);
  });

  const stale = scheme.stale;
  if (stale) {
    it("rejects a stale timestamp, giving its age at receipt", async () => {
      const signedAt = nowSeconds() - stale.ageSeconds;
      const detail = await send(bin.id, await scheme.sign(scheme.secret, signedAt, undefined, url));
      expectInvalid(detail, staleReason(Math.round(detail.receivedAt / 1000 - signedAt), stale.toleranceSeconds));
    });
  }

  it("passes when any of several secrets matches", async () => {
    const rotating = await binWithCheck(scheme.provider, [scheme.wrongSecret, scheme.secret], scheme.options);
    const signed = await scheme.sign(scheme.secret, nowSeconds(), undefined, `${server.baseUrl}/b/${rotating.id}/webhook`);
    expect((await send(rotating.id, signed)).signature.status).toBe("valid");
  });
});

// Twilio, Square and HubSpot sign the URL they called: a signature for another path of the bin must fail.
describe.each(allSchemes.filter((scheme) => ["twilio", "square", "hubspot"].includes(scheme.provider)))("$label signs the URL", (scheme) => {
  it("rejects a request signed for another URL of the bin", async () => {
    const bin = await binWithCheck(scheme.provider, [scheme.secret], scheme.options);
    const signed = await scheme.sign(scheme.secret, nowSeconds(), undefined, `${server.baseUrl}/b/${bin.id}/other`);
    const moved = { ...signed, url: signed.url.replace("/other", "/webhook") };
    expect((await send(bin.id, moved)).signature.status).toBe("invalid");
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
