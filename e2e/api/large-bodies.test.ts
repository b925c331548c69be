import { randomBytes } from "node:crypto";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ForwardAttemptDto, SignatureVerdict } from "@/lib/types";
import { api, capture, captureOk, countBodyChunkRows, createBin, eventually, getRaw, getRequest, patchBin } from "../support/factories";
import { startTestServer, type TestServer } from "../support/server";
import { startTargetServer, type TargetServer } from "../support/target";

/**
 * Bodies above 256 KiB are stored as BodyChunk rows beside the capture; every reader
 * must still get the exact bytes back. Sizes are odd on purpose: no chunk boundary
 * falls at the end.
 */
const largeSize = 1024 * 1024 + 12_345;
const stripe = new Stripe("sk_test_unused");
const stripeSecret = "whsec_large_bodies_0123456789";

let server: TestServer;
let target: TargetServer;
beforeAll(async () => {
  [server, target] = await Promise.all([startTestServer(), startTargetServer()]);
});
afterAll(async () => {
  await Promise.all([server.dispose(), target.close()]);
});

async function configure(binId: string, changes: unknown) {
  const response = await patchBin(server.baseUrl, binId, changes);
  expect(response.status, response.text).toBe(200);
}

/** Captures `body` and checks it comes back byte-exact through /raw and the detail view. */
async function expectStoredExactly(binId: string, id: string, body: Buffer): Promise<void> {
  const raw = await getRaw(server.baseUrl, binId, id);
  expect(raw.status).toBe(200);
  // Streamed from its chunks: framed as chunked, never with a wrong length.
  expect(raw.headers["content-length"]).toBeUndefined();
  expect(raw.body.equals(body)).toBe(true);
  const detail = await getRequest(server.baseUrl, binId, id);
  expect(detail.size).toBe(body.length);
  expect(Buffer.from(detail.bodyBase64, "base64").equals(body)).toBe(true);
}

describe("a large body", () => {
  it("is stored in chunks and read back byte-exact through /raw and the detail view", async () => {
    const bin = await createBin(server.baseUrl);
    const body = randomBytes(largeSize);
    const id = await captureOk(server.baseUrl, bin.id, { headers: { "Content-Type": "application/octet-stream" }, body });
    expect(countBodyChunkRows(server.databaseFile, id)).toBeGreaterThan(1);
    await expectStoredExactly(bin.id, id, body);
  });

  it("sent without a Content-Length (chunked transfer encoding) is stored whole as well", async () => {
    const bin = await createBin(server.baseUrl);
    const body = randomBytes(largeSize);
    const id = await captureOk(server.baseUrl, bin.id, { headers: { "Transfer-Encoding": "chunked" }, body });
    await expectStoredExactly(bin.id, id, body);
  });

  it("is forwarded byte-exact, by hand and by the auto-forward worker", async () => {
    const bin = await createBin(server.baseUrl);
    const body = randomBytes(largeSize);
    const id = await captureOk(server.baseUrl, bin.id, { path: "/by-hand", body });
    const response = await api(server.baseUrl, `/api/bins/${bin.id}/requests/${id}/forward`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ url: target.baseUrl }),
    });
    expect(response.status, response.text).toBe(200);
    expect((response.json as ForwardAttemptDto).requestSize).toBe(body.length);
    const byHand = target.received.find((received) => received.url === "/by-hand");
    expect(byHand?.body.equals(body)).toBe(true);

    await configure(bin.id, { forward: { url: target.baseUrl, enabled: true, maxAttempts: 1 } });
    const automatic = randomBytes(largeSize);
    await captureOk(server.baseUrl, bin.id, { path: "/automatic", body: automatic });
    const delivered = await eventually(() => {
      const found = target.received.find((received) => received.url === "/automatic");
      if (!found) throw new Error("not delivered yet");
      return found;
    }, 10_000);
    expect(delivered.body.equals(automatic)).toBe(true);
  });

  it("signed by Stripe is judged valid at capture and again when the check changes; one flipped byte is not", async () => {
    const bin = await createBin(server.baseUrl);
    await configure(bin.id, { signature: { provider: "stripe", secrets: [stripeSecret] } });
    const payload = JSON.stringify({ id: "evt_large", type: "file.uploaded", data: randomBytes(largeSize).toString("base64") });
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret: stripeSecret });
    const signed = { headers: { "Content-Type": "application/json", "Stripe-Signature": header } };
    const verdict = async (id: string): Promise<SignatureVerdict> => (await getRequest(server.baseUrl, bin.id, id)).signature;

    const valid = await captureOk(server.baseUrl, bin.id, { ...signed, body: payload });
    const tampered = Buffer.from(payload);
    const flipAt = tampered.length - 100;
    tampered[flipAt] = tampered[flipAt]! ^ 0x01;
    const invalid = await captureOk(server.baseUrl, bin.id, { ...signed, body: tampered });
    expect((await verdict(valid)).status).toBe("valid");
    expect((await verdict(invalid)).status).toBe("invalid");

    // Re-judged from the stored chunks: wrong under another secret, right again under the real one.
    await configure(bin.id, { signature: { provider: "stripe", secrets: ["whsec_another_secret_0000"] } });
    expect((await verdict(valid)).status).toBe("invalid");
    await configure(bin.id, { signature: { provider: "stripe", secrets: [stripeSecret] } });
    expect((await verdict(valid)).status).toBe("valid");
    expect((await verdict(invalid)).status).toBe("invalid");
  });

  it("fills {{request.body}} in the bin's custom answer up to the 1 MiB rendered-body cap, and past it answers 500 with the capture stored", async () => {
    const bin = await createBin(server.baseUrl);
    await configure(bin.id, { response: { status: 200, headers: [], body: "{{request.body}}" } });
    const cap = 1024 * 1024;
    const text = randomBytes(cap / 2).toString("hex");
    const answer = await capture(server.baseUrl, bin.id, { body: text });
    expect(answer.status).toBe(200);
    expect(answer.body.toString("utf8")).toBe(text);

    const large = randomBytes(Math.ceil(largeSize / 2))
      .toString("hex")
      .slice(0, largeSize);
    const refused = await capture(server.baseUrl, bin.id, { body: large });
    expect(refused.status).toBe(500);
    expect((refused.json as { message: string }).message).toContain("more than 1 MiB (the rendered-body cap)");
    expect((await getRaw(server.baseUrl, bin.id, refused.id!)).body.toString("utf8")).toBe(large);
  });

  it("goes with its capture when the capture is deleted", async () => {
    const bin = await createBin(server.baseUrl);
    const id = await captureOk(server.baseUrl, bin.id, { body: randomBytes(largeSize) });
    expect(countBodyChunkRows(server.databaseFile, id)).toBeGreaterThan(1);
    expect((await api(server.baseUrl, `/api/bins/${bin.id}/requests/${id}`, { method: "DELETE" })).status).toBe(204);
    expect(countBodyChunkRows(server.databaseFile, id)).toBe(0);
    expect((await getRaw(server.baseUrl, bin.id, id)).status).toBe(404);
  });
});
