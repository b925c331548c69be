import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BinDto, ForwardAttemptDto, ForwardList } from "@/lib/types";
import { api, binaryBody, captureOk, createBin, patchBin } from "../support/factories";
import { freePort, startTestServer, type TestServer } from "../support/server";
import { startTargetServer, type TargetServer } from "../support/target";

const stripe = new Stripe("sk_test_unused");
const stripeSecret = "whsec_forward_integration_0123456789";
const timeoutMs = 1_500;

let server: TestServer;
let target: TargetServer;
beforeAll(async () => {
  [server, target] = await Promise.all([startTestServer({ env: { FORWARD_TIMEOUT_MS: String(timeoutMs) } }), startTargetServer()]);
});
afterAll(async () => {
  await Promise.all([server.dispose(), target.close()]);
});

async function forward(binId: string, requestId: string, body: unknown) {
  return api(server.baseUrl, `/api/bins/${binId}/requests/${requestId}/forward`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** Forwards and insists the attempt was made (200); returns it and what the target received. */
async function forwardOk(binId: string, requestId: string, body: unknown) {
  const before = target.received.length;
  const response = await forward(binId, requestId, body);
  expect(response.status, response.text).toBe(200);
  return { attempt: response.json as ForwardAttemptDto, received: target.received.slice(before) };
}

const headerNames = (headers: [string, string][]) => headers.map(([name]) => name);

describe("forwarding a capture as it came", () => {
  it("delivers a binary body byte for byte, with the headers in order and case, minus hop-by-hop ones", async () => {
    const bin = await createBin(server.baseUrl);
    const body = binaryBody();
    const id = await captureOk(server.baseUrl, bin.id, {
      method: "PUT",
      path: "/hooks/upload%20it",
      query: "a=1&a=2&q=%27x%27",
      headers: {
        "X-Custom-B": "second letter first",
        "x-lower-a": "lower case kept",
        "Content-Type": "application/octet-stream",
        "X-Dup": ["one", "two"],
        Connection: "keep-alive, X-Named-By-Connection",
        "X-Named-By-Connection": "hop-by-hop because Connection names it",
        "Keep-Alive": "timeout=5",
        "Proxy-Authorization": "Basic c2VjcmV0",
        TE: "trailers",
        Upgrade: "h2c",
      },
      body,
    });

    const { attempt, received } = await forwardOk(bin.id, id, { url: `${target.baseUrl}/base` });

    expect(received).toHaveLength(1);
    const arrived = received[0]!;
    expect(arrived.method).toBe("PUT");
    expect(arrived.url).toBe("/base/hooks/upload%20it?a=1&a=2&q=%27x%27");
    expect(arrived.body.equals(body)).toBe(true);
    const { host } = new URL(target.baseUrl);
    // Host first and rewritten to the target, the end-to-end headers as captured, our
    // Via, the length of what is sent; Node's client adds its own Connection: close last.
    expect(arrived.headers).toEqual([
      ["Host", host],
      ["X-Custom-B", "second letter first"],
      ["x-lower-a", "lower case kept"],
      ["Content-Type", "application/octet-stream"],
      ["X-Dup", "one"],
      ["X-Dup", "two"],
      ["Via", expect.stringMatching(/^1\.1 hookyard-[\w-]{12}$/)],
      ["Content-Length", String(body.length)],
      ["Connection", "close"],
    ]);
    expect(attempt).toMatchObject({
      requestId: id,
      method: "PUT",
      url: `${target.baseUrl}/base/hooks/upload%20it?a=1&a=2&q=%27x%27`,
      requestSize: body.length,
      error: null,
    });
  });

  it("sends a chunked capture with an exact Content-Length and no Transfer-Encoding", async () => {
    const bin = await createBin(server.baseUrl);
    const body = Buffer.from("chunked on the way in, framed by length on the way out");
    const id = await captureOk(server.baseUrl, bin.id, { path: "/c", headers: { "Transfer-Encoding": "chunked", "Content-Type": "text/plain" }, body });
    const { received } = await forwardOk(bin.id, id, { url: target.baseUrl });
    const arrived = received[0]!;
    expect(arrived.body.equals(body)).toBe(true);
    expect(headerNames(arrived.headers).map((name) => name.toLowerCase())).not.toContain("transfer-encoding");
    expect(arrived.headers).toContainEqual(["Content-Length", String(body.length)]);
  });

  it("appends the captured sub-path and query exactly: no dot segment resolved, no quote re-encoded", async () => {
    const bin = await createBin(server.baseUrl);
    const id = await captureOk(server.baseUrl, bin.id, { method: "GET", path: "/a/../b/./it's|x", query: "q='y'&z=a|b" });
    const { received, attempt } = await forwardOk(bin.id, id, { url: `${target.baseUrl}/base/` });
    expect(received[0]!.url).toBe("/base/a/../b/./it's|x?q='y'&z=a|b");
    expect(attempt.url).toBe(`${target.baseUrl}/base/a/../b/./it's|x?q='y'&z=a|b`);
  });

  it("leaves the sub-path and query off when appendPath is false, keeping the target's own query", async () => {
    const bin = await createBin(server.baseUrl);
    const id = await captureOk(server.baseUrl, bin.id, { path: "/deep/path", query: "from=capture", body: "x" });
    const off = await forwardOk(bin.id, id, { url: `${target.baseUrl}/exact?mine=1`, appendPath: false });
    expect(off.received[0]!.url).toBe("/exact?mine=1");
    const on = await forwardOk(bin.id, id, { url: `${target.baseUrl}/exact?mine=1` });
    expect(on.received[0]!.url).toBe("/exact/deep/path?mine=1&from=capture");
  });

  it("keeps a Stripe signature valid at a target that checks it with the stripe package", async () => {
    const bin = await createBin(server.baseUrl);
    const payload = JSON.stringify({ id: "evt_forward", type: "invoice.paid", data: { amount: 4200, note: "café ✓" } });
    const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: stripeSecret });
    const id = await captureOk(server.baseUrl, bin.id, {
      path: "/stripe",
      headers: { "Content-Type": "application/json", "Stripe-Signature": signature },
      body: payload,
    });
    const { received } = await forwardOk(bin.id, id, { url: `${target.baseUrl}/webhooks` });
    const arrived = received[0]!;
    const header = arrived.headers.find(([name]) => name.toLowerCase() === "stripe-signature")![1];
    const event = stripe.webhooks.constructEvent(arrived.body, header, stripeSecret);
    expect(event.id).toBe("evt_forward");
  });
});

describe("the target's answer", () => {
  it("comes back with status, headers in order, body and duration, and is kept", async () => {
    target.respondWith(() => ({ status: 418, headers: { "X-Target": "teapot", "Content-Type": "application/json" }, body: JSON.stringify({ brewed: false }) }));
    try {
      const bin = await createBin(server.baseUrl);
      const id = await captureOk(server.baseUrl, bin.id, { body: "{}" });
      const { attempt } = await forwardOk(bin.id, id, { url: target.baseUrl });
      expect(attempt.status).toBe(418);
      expect(attempt.error).toBeNull();
      expect(attempt.headers.slice(0, 2)).toEqual([
        ["X-Target", "teapot"],
        ["Content-Type", "application/json"],
      ]);
      expect(JSON.parse(Buffer.from(attempt.bodyBase64, "base64").toString())).toEqual({ brewed: false });
      expect(Number.isInteger(attempt.durationMs) && attempt.durationMs >= 0).toBe(true);
    } finally {
      target.respondWith(() => ({ status: 200, body: "ok" }));
    }
  });

  it("is an error in words when the connection is refused", async () => {
    const bin = await createBin(server.baseUrl);
    const id = await captureOk(server.baseUrl, bin.id, { body: "x" });
    const port = await freePort();
    const response = await forward(bin.id, id, { url: `http://127.0.0.1:${port}/hook` });
    expect(response.status).toBe(200);
    const attempt = response.json as ForwardAttemptDto;
    expect(attempt.status).toBeNull();
    expect(attempt.error).toBe(`connection refused by 127.0.0.1:${port} (nothing listening there)`);
  });

  it("is an error in words when the target does not answer in time", async () => {
    target.respondWith((received) => (received.url === "/slow" ? null : { status: 200 }));
    try {
      const bin = await createBin(server.baseUrl);
      const id = await captureOk(server.baseUrl, bin.id, { body: "x" });
      const response = await forward(bin.id, id, { url: `${target.baseUrl}/slow`, appendPath: false });
      expect(response.status).toBe(200);
      expect((response.json as ForwardAttemptDto).error).toBe(`timeout: no complete answer from ${new URL(target.baseUrl).host} within ${timeoutMs} ms`);
    } finally {
      target.respondWith(() => ({ status: 200, body: "ok" }));
    }
  });

  it("is an error in words when the host name does not resolve", async () => {
    const bin = await createBin(server.baseUrl);
    const id = await captureOk(server.baseUrl, bin.id, { body: "x" });
    const response = await forward(bin.id, id, { url: "http://no-such-host.invalid/hook" });
    expect(response.status).toBe(200);
    expect((response.json as ForwardAttemptDto).error).toMatch(/^DNS: /);
  });
});

describe("edited and re-signed sends", () => {
  it("sends the edited method, URL, headers and body instead of the captured ones", async () => {
    const bin = await createBin(server.baseUrl);
    const id = await captureOk(server.baseUrl, bin.id, {
      method: "POST",
      path: "/original",
      headers: { "Content-Type": "text/plain", "X-Old": "1" },
      body: "original body",
    });
    const edited = Buffer.from([0, 1, 2, 255, 254]);
    const { received, attempt } = await forwardOk(bin.id, id, {
      url: `${target.baseUrl}/edited?x=1`,
      appendPath: false,
      method: "PATCH",
      headers: [
        ["X-New", "2"],
        ["content-type", "application/octet-stream"],
        ["Content-Length", "999"],
        ["Host", "evil.example"],
      ],
      bodyBase64: edited.toString("base64"),
    });
    const arrived = received[0]!;
    expect(arrived.method).toBe("PATCH");
    expect(arrived.url).toBe("/edited?x=1");
    expect(arrived.body.equals(edited)).toBe(true);
    expect(arrived.headers).toEqual([
      ["Host", new URL(target.baseUrl).host],
      ["X-New", "2"],
      ["content-type", "application/octet-stream"],
      ["Via", expect.stringMatching(/^1\.1 hookyard-/)],
      ["Content-Length", "5"],
      ["Connection", "close"],
    ]);
    expect(attempt.requestSize).toBe(5);
  });

  it("re-signs a Stripe capture older than the tolerance so the stripe package accepts it", async () => {
    const bin = await createBin(server.baseUrl);
    const patched = await api(server.baseUrl, `/api/bins/${bin.id}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ signature: { provider: "stripe", secrets: [stripeSecret] } }),
    });
    expect(patched.status).toBe(200);
    const payload = JSON.stringify({ id: "evt_stale", type: "charge.succeeded" });
    const staleAt = Math.floor(Date.now() / 1000) - 3_600;
    const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: stripeSecret, timestamp: staleAt });
    const id = await captureOk(server.baseUrl, bin.id, { headers: { "Content-Type": "application/json", "Stripe-Signature": signature }, body: payload });
    const signatureAt = (headers: [string, string][]) => headers.find(([name]) => name === "Stripe-Signature")![1];

    // As captured, the target refuses it: the timestamp is an hour old.
    const asCaptured = (await forwardOk(bin.id, id, { url: target.baseUrl })).received[0]!;
    expect(() => stripe.webhooks.constructEvent(asCaptured.body, signatureAt(asCaptured.headers), stripeSecret)).toThrow(/tolerance/i);

    const { received, attempt } = await forwardOk(bin.id, id, { url: target.baseUrl, resign: true });
    const arrived = received[0]!;
    expect(attempt.resigned).toBe(true);
    expect(stripe.webhooks.constructEvent(arrived.body, signatureAt(arrived.headers), stripeSecret).id).toBe("evt_stale");
    // The header keeps its place among the others.
    expect(headerNames(arrived.headers)).toEqual(headerNames(asCaptured.headers));
  });

  it("re-signs an edited body", async () => {
    const bin = await createBin(server.baseUrl);
    await api(server.baseUrl, `/api/bins/${bin.id}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ signature: { provider: "stripe", secrets: [stripeSecret] } }),
    });
    const payload = JSON.stringify({ id: "evt_edit", amount: 1 });
    const id = await captureOk(server.baseUrl, bin.id, {
      headers: { "Content-Type": "application/json", "Stripe-Signature": stripe.webhooks.generateTestHeaderString({ payload, secret: stripeSecret }) },
      body: payload,
    });
    const changed = JSON.stringify({ id: "evt_edit", amount: 2 });
    const { received } = await forwardOk(bin.id, id, { url: target.baseUrl, bodyBase64: Buffer.from(changed).toString("base64"), resign: true });
    const arrived = received[0]!;
    const header = arrived.headers.find(([name]) => name === "Stripe-Signature")![1];
    expect((stripe.webhooks.constructEvent(arrived.body, header, stripeSecret) as unknown as { amount: number }).amount).toBe(2);
  });

  it("never keeps or answers a signature it computed, whatever came of the attempt", async () => {
    const bin = await createBin(server.baseUrl);
    await patchBin(server.baseUrl, bin.id, { signature: { provider: "stripe", secrets: [stripeSecret] } });
    const payload = JSON.stringify({ id: "evt_oracle", note: "a body the sender chose" });
    const stale = stripe.webhooks.generateTestHeaderString({ payload, secret: stripeSecret, timestamp: Math.floor(Date.now() / 1000) - 3_600 });
    const id = await captureOk(server.baseUrl, bin.id, { headers: { "Content-Type": "application/json", "Stripe-Signature": stale }, body: payload });
    const signatureAt = (headers: [string, string][]) => headers.find(([name]) => name === "Stripe-Signature")![1];
    const fresh = /v1=[0-9a-f]{64}/;
    const hidden: [string, string] = ["Stripe-Signature", "(re-signed)"];

    // Delivered: the target got a valid signature; the attempt shows only that there was one.
    const delivered = await forwardOk(bin.id, id, { url: target.baseUrl, resign: true });
    expect(stripe.webhooks.constructEvent(delivered.received[0]!.body, signatureAt(delivered.received[0]!.headers), stripeSecret).id).toBe("evt_oracle");
    expect(delivered.attempt.requestHeaders).toContainEqual(hidden);

    // Nothing listening: the signature went nowhere, and is nowhere in the answer.
    const refused = await forward(bin.id, id, { url: `http://127.0.0.1:${await freePort()}/`, resign: true });
    expect(refused.status).toBe(200);
    expect((refused.json as ForwardAttemptDto).error).toMatch(/connection refused/);
    expect((refused.json as ForwardAttemptDto).requestHeaders).toContainEqual(hidden);
    expect(refused.text).not.toMatch(fresh);

    // A target that refuses it and echoes it back, in a header and in its body.
    target.respondWith((received) => ({
      status: 400,
      headers: { "X-Echo": signatureAt(received.headers) },
      body: `bad signature: ${signatureAt(received.headers)}`,
    }));
    try {
      const echoed = await forwardOk(bin.id, id, { url: target.baseUrl, resign: true });
      const sent = signatureAt(echoed.received[0]!.headers);
      expect(sent).toMatch(fresh);
      expect(echoed.attempt.status).toBe(400);
      expect(echoed.attempt.headers).toContainEqual(["X-Echo", "(re-signed)"]);
      expect(Buffer.from(echoed.attempt.bodyBase64, "base64").toString()).toBe("bad signature: (re-signed)");
      expect(JSON.stringify(echoed.attempt)).not.toContain(sent.split("v1=")[1]);
    } finally {
      target.respondWith(() => ({ status: 200, body: "ok" }));
    }

    // The list of attempts is read from what was kept.
    const listed = await api(server.baseUrl, `/api/bins/${bin.id}/requests/${id}/forwards`);
    const attempts = (listed.json as ForwardList).attempts;
    expect(attempts).toHaveLength(3);
    for (const attempt of attempts) expect(attempt.requestHeaders).toContainEqual(hidden);
    expect(listed.text).not.toMatch(fresh);
  });

  it("refuses to re-sign without a signature secret, saying why, and sends nothing", async () => {
    const bin = await createBin(server.baseUrl);
    const id = await captureOk(server.baseUrl, bin.id, { body: "x" });
    const before = target.received.length;
    const response = await forward(bin.id, id, { url: target.baseUrl, resign: true });
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ error: "bad_request", message: expect.stringMatching(/no signature secret/) });
    expect(target.received.length).toBe(before);
  });
});

describe("attempts and the remembered target", () => {
  it("lists every attempt for the capture in order, and remembers the target for the bin", async () => {
    const bin = await createBin(server.baseUrl);
    const id = await captureOk(server.baseUrl, bin.id, { body: "x" });
    const other = await captureOk(server.baseUrl, bin.id, { body: "y" });
    const port = await freePort();
    const first = await forwardOk(bin.id, id, { url: `${target.baseUrl}/one` });
    const second = await forward(bin.id, id, { url: `http://127.0.0.1:${port}/down` });
    const third = await forwardOk(bin.id, id, { url: `${target.baseUrl}/two`, method: "PUT" });
    await forwardOk(bin.id, other, { url: `${target.baseUrl}/other` });

    const listed = await api(server.baseUrl, `/api/bins/${bin.id}/requests/${id}/forwards`);
    expect(listed.status).toBe(200);
    const list = listed.json as ForwardList;
    expect(list.attempts.map((attempt) => attempt.id)).toEqual([first.attempt.id, (second.json as ForwardAttemptDto).id, third.attempt.id]);
    expect(list.attempts.map((attempt) => attempt.status)).toEqual([200, null, 200]);
    expect(list.attempts[2]!.method).toBe("PUT");
    expect(list.rememberedUrl).toBe(`${target.baseUrl}/other`);
    expect(list.recentUrls).toEqual([`${target.baseUrl}/other`, `${target.baseUrl}/two`, `http://127.0.0.1:${port}/down`, `${target.baseUrl}/one`]);

    const binDto = (await api(server.baseUrl, `/api/bins/${bin.id}`)).json as BinDto;
    expect(binDto.forward).toEqual({ url: `${target.baseUrl}/other`, enabled: false, maxAttempts: 5 });
  });

  it("lets PATCH set and clear the remembered target", async () => {
    const bin = await createBin(server.baseUrl);
    const patch = (forward: unknown) => patchBin(server.baseUrl, bin.id, { forward });
    expect(((await patch({ url: "http://localhost:4000/hooks" })).json as BinDto).forward).toEqual({
      url: "http://localhost:4000/hooks",
      enabled: false,
      maxAttempts: 5,
    });
    expect(((await patch(null)).json as BinDto).forward).toBeNull();
    const bad = await patch({ url: "ftp://example.com" });
    expect(bad.status).toBe(422);
  });
});

describe("input checks", () => {
  it("answers clear 4xx for bad input, unknown captures and non-JSON", async () => {
    const bin = await createBin(server.baseUrl);
    const id = await captureOk(server.baseUrl, bin.id, { body: "x" });
    const cases: [unknown, RegExp][] = [
      [{}, /url/],
      [{ url: "not a url" }, /absolute http\(s\) URL/],
      [{ url: "file:///etc/passwd" }, /absolute http\(s\) URL/],
      [{ url: "http://user:secret@127.0.0.1/" }, /Authorization header/],
      [{ url: target.baseUrl, method: "GET /" }, /method/],
      [{ url: target.baseUrl, headers: [["X-Bad", "line\r\nInjected: 1"]] }, /no CR, LF, NUL/],
      [{ url: target.baseUrl, headers: [["bad name", "x"]] }, /header name/],
      [{ url: target.baseUrl, headers: [["X-Unicode", "check ✓"]] }, /Latin-1/],
      [{ url: target.baseUrl, bodyBase64: "%%%" }, /base64/],
      [{ url: target.baseUrl, surprise: true }, /surprise|Unrecognized/i],
    ];
    for (const [body, message] of cases) {
      const response = await forward(bin.id, id, body);
      expect(response.status, JSON.stringify(body)).toBe(422);
      expect(response.text, JSON.stringify(body)).toMatch(message);
    }
    const notJson = await api(server.baseUrl, `/api/bins/${bin.id}/requests/${id}/forward`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{",
    });
    expect(notJson.status).toBe(400);
    const notLabelledJson = await api(server.baseUrl, `/api/bins/${bin.id}/requests/${id}/forward`, {
      method: "POST",
      body: JSON.stringify({ url: target.baseUrl }),
    });
    expect(notLabelledJson.status).toBe(415);
    const missing = await forward(bin.id, "01ARZ3NDEKTSV4RRFFQ69G5FAV", { url: target.baseUrl });
    expect(missing.status).toBe(404);
    const otherBin = await createBin(server.baseUrl);
    expect((await forward(otherBin.id, id, { url: target.baseUrl })).status).toBe(404);
    expect((await api(server.baseUrl, `/api/bins/${bin.id}/requests/not-an-id/forwards`)).status).toBe(404);
  });
});

describe("the forwarding policy", () => {
  let locked: TestServer;
  beforeAll(async () => {
    locked = await startTestServer({ env: { FORWARD_ALLOW_ADDRESSES: "public" } });
  });
  afterAll(() => locked.dispose());

  it("refuses a loopback target, by address or by a name resolving to it, with 403 and nothing sent or kept", async () => {
    const bin = await createBin(locked.baseUrl);
    const id = await captureOk(locked.baseUrl, bin.id, { body: "x" });
    const before = target.received.length;
    const send = (url: string) =>
      api(locked.baseUrl, `/api/bins/${bin.id}/requests/${id}/forward`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ url }),
      });

    const byAddress = await send(target.baseUrl);
    expect(byAddress.status).toBe(403);
    expect(byAddress.json).toEqual({
      error: "forbidden",
      message: `Forwarding to ${new URL(target.baseUrl).host} is not allowed: 127.0.0.1 is a loopback address, which FORWARD_ALLOW_ADDRESSES does not allow. The policy is set by FORWARD_ALLOW_ADDRESSES and FORWARD_ALLOW_HOSTS.`,
    });
    const byName = await send(`http://localhost:${new URL(target.baseUrl).port}/`);
    expect(byName.status).toBe(403);
    expect(byName.text).toMatch(/localhost resolves to [^;]+; (127\.0\.0\.1|::1) is a loopback address/);
    const mapped = await send(`http://[::ffff:127.0.0.1]:${new URL(target.baseUrl).port}/`);
    expect(mapped.status).toBe(403);

    expect(target.received.length).toBe(before);
    const list = (await api(locked.baseUrl, `/api/bins/${bin.id}/requests/${id}/forwards`)).json as ForwardList;
    expect(list.attempts).toEqual([]);
  });
});
