import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BinDto } from "../../lib/types.ts";
import {
  api,
  capture,
  captureOk,
  connect,
  countCapturedRows,
  createBin,
  eventually,
  getRaw,
  getRequest,
  listAllRequests,
  parseAnswer,
  patchBin,
  rawExchange,
} from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

/**
 * Every sender welcome: browsers on other origins (CORS preflights, per bin), HTTP/1.0,
 * chunked bodies, `Expect: 100-continue` and heads with thousands of headers; and what
 * Hookyard answered each capture, as its detail shows it. Raw sockets go to 127.0.0.1 only.
 */
let server: TestServer;
let baseUrl: string;
const page = "http://localhost:4000";

beforeAll(async () => {
  server = await startTestServer({ env: { MAX_BODY_BYTES: String(64 * 1024) } });
  baseUrl = server.baseUrl;
});

afterAll(async () => {
  await server?.dispose();
});

const preflight = (binId: string, headers: Record<string, string> = {}) =>
  capture(baseUrl, binId, {
    method: "OPTIONS",
    path: "/from/page",
    headers: { Origin: page, "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type,x-custom", ...headers },
  });

describe("CORS, on by default for every bin", () => {
  it("answers a preflight 204 with what the browser asked to be allowed, no credentials, and captures it", async () => {
    const bin = await createBin(baseUrl);
    const answer = await preflight(bin.id);
    expect(answer.status).toBe(204);
    expect(answer.headers).toMatchObject({
      "access-control-allow-origin": "*",
      "access-control-allow-headers": "content-type,x-custom",
      "access-control-max-age": "600",
      vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
    });
    expect(answer.headers["access-control-allow-methods"]).toContain("PUT");
    expect(answer.headers["access-control-allow-credentials"]).toBeUndefined();
    expect(answer.body.length).toBe(0);

    const detail = await getRequest(baseUrl, bin.id, answer.id!);
    expect(detail).toMatchObject({ method: "OPTIONS", path: "/from/page", answer: { status: 204, by: "preflight", rule: null } });
    expect(detail.headers).toContainEqual(["Origin", page]);
  });

  it("answers a preflight itself whatever the rules say, while a plain OPTIONS follows the rules", async () => {
    const bin = await createBin(baseUrl);
    const teapot = { status: 418, headers: [], body: "rule", delayMs: 0 };
    expect((await patchBin(baseUrl, bin.id, { rules: [{ method: "OPTIONS", response: teapot }] })).status).toBe(200);
    expect((await preflight(bin.id)).status).toBe(204);
    const plain = await capture(baseUrl, bin.id, { method: "OPTIONS" });
    expect(plain.status).toBe(418);
    expect((await getRequest(baseUrl, bin.id, plain.id!)).answer).toEqual({ status: 418, by: "rule", rule: 1 });
  });

  it("lets a page read every answer: built-in, custom, and the refusals", async () => {
    const bin = await createBin(baseUrl);
    const builtIn = await capture(baseUrl, bin.id, { headers: { Origin: page }, body: "{}" });
    expect(builtIn.headers).toMatchObject({ "access-control-allow-origin": "*", "access-control-expose-headers": "*" });
    await patchBin(baseUrl, bin.id, { response: { status: 201, headers: [["X-Mine", "1"]], body: "made", delayMs: 0 } });
    const custom = await capture(baseUrl, bin.id, { headers: { Origin: page }, body: "{}" });
    expect(custom.status).toBe(201);
    expect(custom.headers).toMatchObject({ "access-control-allow-origin": "*", "access-control-expose-headers": "*", "x-mine": "1" });
    const tooLarge = await capture(baseUrl, bin.id, { body: Buffer.alloc(64 * 1024 + 1) });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers["access-control-allow-origin"]).toBe("*");
  });
});

describe("CORS switched off for a bin", () => {
  it("is a bin setting that PATCH changes and the bin shows, refused when not a boolean", async () => {
    const bin = await createBin(baseUrl);
    expect(((await api(baseUrl, `/api/bins/${bin.id}`)).json as BinDto).cors).toBe(true);
    const off = await patchBin(baseUrl, bin.id, { cors: false });
    expect(off.status).toBe(200);
    expect((off.json as BinDto).cors).toBe(false);
    expect((await patchBin(baseUrl, bin.id, { cors: "no" })).status).toBe(422);
    expect(((await api(baseUrl, `/api/bins/${bin.id}`)).json as BinDto).cors).toBe(false);
  });

  it("answers a preflight like any OPTIONS (rules apply), sends no CORS headers anywhere, and still captures everything", async () => {
    const bin = await createBin(baseUrl);
    await patchBin(baseUrl, bin.id, { cors: false });
    const answer = await preflight(bin.id);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ ok: true, id: answer.id });
    for (const name of Object.keys(answer.headers)) expect(name).not.toMatch(/^access-control-/);
    expect((await getRequest(baseUrl, bin.id, answer.id!)).answer).toEqual({ status: 200, by: "built-in", rule: null });

    await patchBin(baseUrl, bin.id, { rules: [{ method: "OPTIONS", response: { status: 405, headers: [], body: "", delayMs: 0 } }] });
    const ruled = await preflight(bin.id);
    expect(ruled.status).toBe(405);
    expect(ruled.headers["access-control-allow-origin"]).toBeUndefined();

    const post = await capture(baseUrl, bin.id, { headers: { Origin: page, "Content-Type": "application/json" }, body: "{}" });
    expect(post.status).toBe(200);
    expect(post.headers["access-control-allow-origin"]).toBeUndefined();
    const tooLarge = await capture(baseUrl, bin.id, { body: Buffer.alloc(64 * 1024 + 1) });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers["access-control-allow-origin"]).toBeUndefined();
    expect((await listAllRequests(baseUrl, bin.id)).map((request) => request.method)).toEqual(["POST", "OPTIONS", "OPTIONS"]);

    // And back on: preflights are the bin's again.
    await patchBin(baseUrl, bin.id, { cors: true });
    expect((await preflight(bin.id)).status).toBe(204);
  });
});

describe("what Hookyard answered, in the capture's detail", () => {
  it("names the built-in answer, the default response, and the rule by its place", async () => {
    const bin = await createBin(baseUrl);
    const builtIn = await captureOk(baseUrl, bin.id);
    const spec = (status: number) => ({ status, headers: [], body: "", delayMs: 0 });
    await patchBin(baseUrl, bin.id, {
      response: spec(202),
      rules: [
        { method: "GET", response: spec(404) },
        { method: "POST", path: { mode: "exact", value: "/orders" }, response: spec(201) },
      ],
    });
    const byDefault = await capture(baseUrl, bin.id, { path: "/other" });
    const byRule = await capture(baseUrl, bin.id, { path: "/orders" });
    const byFirstRule = await capture(baseUrl, bin.id, { method: "GET", path: "/orders" });
    expect([byDefault.status, byRule.status, byFirstRule.status]).toEqual([202, 201, 404]);
    expect((await getRequest(baseUrl, bin.id, builtIn)).answer).toEqual({ status: 200, by: "built-in", rule: null });
    expect((await getRequest(baseUrl, bin.id, byDefault.id!)).answer).toEqual({ status: 202, by: "default", rule: null });
    expect((await getRequest(baseUrl, bin.id, byRule.id!)).answer).toEqual({ status: 201, by: "rule", rule: 2 });
    expect((await getRequest(baseUrl, bin.id, byFirstRule.id!)).answer).toEqual({ status: 404, by: "rule", rule: 1 });
  });
});

describe("protocol corners, captured whole", () => {
  it("captures an HTTP/1.0 request without a Host header, body and all, and closes the connection", async () => {
    const bin = await createBin(baseUrl);
    const answer = parseAnswer(await rawExchange(baseUrl, `POST /b/${bin.id}/old?v=1 HTTP/1.0\r\nContent-Length: 5\r\nX-Old: yes\r\n\r\nhello`));
    expect(answer.status).toBe(200);
    const detail = await getRequest(baseUrl, bin.id, answer.headers.get("x-request-id")!);
    expect(detail).toMatchObject({ method: "POST", path: "/old", query: "v=1", size: 5 });
    expect(Buffer.from(detail.bodyBase64, "base64").toString()).toBe("hello");
    expect(detail.headers).toEqual([
      ["Content-Length", "5"],
      ["X-Old", "yes"],
    ]);
    expect(detail.url).toMatch(new RegExp(`^http://[^/]+/b/${bin.id}/old\\?v=1$`));
  });

  it("keeps a chunked body byte-exact, its chunk boundaries and trailers aside", async () => {
    const bin = await createBin(baseUrl);
    const bytes = randomBytes(10_000);
    const sizes = [1, 4095, 17, 5000, 887];
    let offset = 0;
    const chunks = sizes.map((size) => {
      const piece = bytes.subarray(offset, offset + size);
      offset += size;
      return Buffer.concat([Buffer.from(`${size.toString(16)}\r\n`), piece, Buffer.from("\r\n")]);
    });
    const head = `PUT /b/${bin.id}/chunked HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\nConnection: close\r\n\r\n`;
    const raw = Buffer.concat([Buffer.from(head), ...chunks, Buffer.from("0\r\nX-Checksum: abc\r\n\r\n")]);
    const answer = parseAnswer(await rawExchange(baseUrl, raw));
    expect(answer.status).toBe(200);
    const id = answer.headers.get("x-request-id")!;
    const detail = await getRequest(baseUrl, bin.id, id);
    expect(detail.size).toBe(bytes.length);
    expect((await getRaw(baseUrl, bin.id, id)).body.equals(bytes)).toBe(true);
    expect(detail.headers.map(([name]) => name)).toEqual(["Host", "Transfer-Encoding", "Trailer", "Connection"]);
  });

  it("sends 100 Continue for a body it will take, and stores it exactly", async () => {
    const bin = await createBin(baseUrl);
    const socket = await connect(baseUrl);
    let text = "";
    socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
    socket.write(`POST /b/${bin.id}/continued HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 11\r\nConnection: close\r\n\r\n`);
    await eventually(() => expect(text).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\n$/), 5_000);
    socket.write("hello world");
    await eventually(() => expect(parseAnswer(text).status).toBe(200), 5_000);
    socket.destroy();
    const detail = await getRequest(baseUrl, bin.id, parseAnswer(text).headers.get("x-request-id")!);
    expect(Buffer.from(detail.bodyBase64, "base64").toString()).toBe("hello world");
    expect(detail.headers).toContainEqual(["Expect", "100-continue"]);
  });

  it("refuses a body over the limit with 413 instead of 100 Continue, storing nothing", async () => {
    const bin = await createBin(baseUrl);
    const answer = parseAnswer(
      await rawExchange(baseUrl, `POST /b/${bin.id} HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: ${64 * 1024 + 1}\r\n\r\n`, 5_000),
    );
    expect(answer.raw).not.toContain("100 Continue");
    expect(answer.status).toBe(413);
    expect(answer.headers.get("connection")).toBe("close");
    expect(countCapturedRows(server.databaseFile, bin.id)).toBe(0);
  });

  it("captures 1,500 headers whole, every one in order with its case and duplicates", async () => {
    const bin = await createBin(baseUrl);
    const sent: [string, string][] = Array.from({ length: 1_500 }, (_, i) => [i % 3 === 0 ? "X-Dup" : `X-Header-${i}`, `value ${i}`]);
    const head = [`POST /b/${bin.id} HTTP/1.1`, "Host: localhost", ...sent.map(([name, value]) => `${name}: ${value}`), "Connection: close", "", ""].join(
      "\r\n",
    );
    const answer = parseAnswer(await rawExchange(baseUrl, head));
    expect(answer.status).toBe(200);
    const detail = await getRequest(baseUrl, bin.id, answer.headers.get("x-request-id")!);
    expect(detail.headers).toEqual([["Host", "localhost"], ...sent, ["Connection", "close"]]);
  });

  it("refuses a head over MAX_HEADER_BYTES (64 KiB) with 431 and a short message, storing nothing", async () => {
    const bin = await createBin(baseUrl);
    const lines = Array.from({ length: 700 }, (_, i) => `X-Big-${i}: ${"v".repeat(100)}`);
    const head = [`POST /b/${bin.id} HTTP/1.1`, "Host: localhost", ...lines, "Content-Length: 0", "", ""].join("\r\n");
    expect(head.length).toBeGreaterThan(64 * 1024);
    const answer = parseAnswer(await rawExchange(baseUrl, head));
    expect(answer.status).toBe(431);
    expect(answer.json).toMatchObject({ error: "request_header_fields_too_large" });
    expect(countCapturedRows(server.databaseFile, bin.id)).toBe(0);

    // Just under it, the same kind of head is captured whole.
    const fits = [`POST /b/${bin.id} HTTP/1.1`, "Host: localhost", ...lines.slice(0, 550), "Content-Length: 0", "Connection: close", "", ""].join("\r\n");
    expect(fits.length).toBeLessThan(63 * 1024);
    const taken = parseAnswer(await rawExchange(baseUrl, fits));
    expect(taken.status).toBe(200);
    expect((await getRequest(baseUrl, bin.id, taken.headers.get("x-request-id")!)).headers).toHaveLength(553);
  });
});
