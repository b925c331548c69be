import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Answer, api, captureOk, connect, createBin, eventually, getRequest, parseAnswer, patchBin, rawExchange, tokenOf } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

/**
 * Corners of HTTP/1.1 that one request can use to hang a connection for good, get a
 * 500, or be redirected elsewhere, sent over raw sockets to the real server; and the
 * limits on what a request may make the server hold (API bodies, live streams).
 * Every connection goes to 127.0.0.0/8; addresses elsewhere appear only as header text.
 */
const apiMaxBodyBytes = 128 * 1024;
const maxStreamsPerIp = 3;
const maxStreams = 5;
let server: TestServer;
let baseUrl: string;

beforeAll(async () => {
  server = await startTestServer({
    env: {
      API_MAX_BODY_BYTES: String(apiMaxBodyBytes),
      MAX_BODY_BYTES: String(256 * 1024),
      MAX_STREAMS_PER_IP: String(maxStreamsPerIp),
      MAX_STREAMS: String(maxStreams),
    },
  });
  baseUrl = server.baseUrl;
  // Next adds its own `upgrade` listener on the first request it serves: every test
  // here runs after that has happened.
  expect((await fetch(`${baseUrl}/`)).status).toBe(200);
});

afterAll(async () => {
  await server?.dispose();
});

/** Sends raw bytes and resolves once the server closes the connection (or fails after `timeoutMs`). */
async function exchange(bytes: string | Buffer, timeoutMs = 5_000): Promise<Answer> {
  return parseAnswer(await rawExchange(baseUrl, bytes, timeoutMs));
}

const websocket = (target: string) =>
  [
    `GET ${target} HTTP/1.1`,
    "Host: localhost",
    "Connection: Upgrade",
    "Upgrade: websocket",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
    "",
    "",
  ].join("\r\n");

const h2c = (target: string, body: string, method = "POST") =>
  [
    `${method} ${target} HTTP/1.1`,
    "Host: localhost",
    "Connection: Upgrade, HTTP2-Settings",
    "Upgrade: h2c",
    "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA",
    `Content-Length: ${body.length}`,
    "",
    body,
  ].join("\r\n");

function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

describe("Upgrade requests", () => {
  it("captures a WebSocket handshake to a bin like any request, and closes the connection", async () => {
    const bin = await createBin(baseUrl);
    const answer = await exchange(websocket(`/b/${bin.id}/socket`));
    expect(answer.status).toBe(200);
    expect(answer.headers.get("connection")).toBe("close");
    const id = answer.headers.get("x-request-id")!;
    const detail = await getRequest(baseUrl, bin.id, id);
    expect(detail).toMatchObject({ method: "GET", path: "/socket" });
    expect(detail.headers).toContainEqual(["Upgrade", "websocket"]);
  });

  it("captures an h2c upgrade with its body (answered over HTTP/1.1), and closes the connection", async () => {
    const bin = await createBin(baseUrl);
    const answer = await exchange(h2c(`/b/${bin.id}`, "hello"));
    expect(answer.status).toBe(200);
    const detail = await getRequest(baseUrl, bin.id, answer.headers.get("x-request-id")!);
    expect(Buffer.from(detail.bodyBase64, "base64").toString()).toBe("hello");
    expect(detail.headers).toContainEqual(["Upgrade", "h2c"]);
  });

  it.each([
    ["/api/health", 200],
    ["/", 200],
    ["/_next/static/chunks/none.js", 404],
    ["/_next/hmr", 404],
    ["/api/bins/AAAAAAAAAAAAAAAAAAAAAA/stream", 404],
  ])("answers an upgrade to %s as a plain request and closes the connection", async (target, status) => {
    for (const bytes of [websocket(target), h2c(target, "", "GET")]) {
      const answer = await exchange(bytes);
      expect(answer.status, `${target}: ${answer.raw.slice(0, 200)}`).toBe(status);
      expect(answer.headers.get("connection")).toBe("close");
    }
  });

  it("leaves no file descriptor behind after many upgrade attempts", async () => {
    const pid = server.pid()!;
    const bin = await createBin(baseUrl);
    await exchange(websocket("/api/health"));
    const before = openFds(pid);
    const attempts = 60;
    for (let round = 0; round < attempts / 10; round++) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, i) => {
          const target = [`/b/${bin.id}`, "/api/health", "/"][i % 3]!;
          expect((await exchange(websocket(target))).status).toBe(200);
        }),
      );
    }
    await eventually(() => expect(openFds(pid)).toBeLessThanOrEqual(before + 2), 5_000, 100);
  });
});

describe("API bodies are bounded while they are read", () => {
  const patchHead = (binId: string, lines: string[]) =>
    [
      `PATCH /api/bins/${binId} HTTP/1.1`,
      "Host: localhost",
      "Content-Type: application/json",
      `Authorization: Bearer ${tokenOf(binId)}`,
      ...lines,
      "",
      "",
    ].join("\r\n");

  it("413s a declared Content-Length over API_MAX_BODY_BYTES at once, without waiting for the body", async () => {
    const bin = await createBin(baseUrl);
    // Only the head is sent: an answer proves nothing was waiting for the body.
    const answer = await exchange(patchHead(bin.id, [`Content-Length: ${apiMaxBodyBytes + 1}`]));
    expect(answer.status).toBe(413);
    expect(answer.json).toMatchObject({ error: "payload_too_large", message: expect.stringContaining("API_MAX_BODY_BYTES") });
  });

  it("413s a chunked body the moment it crosses the limit, never reading it to its end", async () => {
    const bin = await createBin(baseUrl);
    const socket = await connect(baseUrl);
    const received: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    socket.on("error", () => undefined); // a reset once the answer is out is fine
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.write(patchHead(bin.id, ["Transfer-Encoding: chunked"]));
    // 16 KiB chunks, never the final one: a server reading to the end would never answer.
    const chunk = `4000\r\n${"x".repeat(0x4000)}\r\n`;
    const deadline = Date.now() + 5_000;
    let sent = 0;
    while (received.length === 0 && sent < 64 && Date.now() < deadline) {
      if (!socket.destroyed) socket.write(chunk);
      sent++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    socket.destroy();
    const answer = parseAnswer(Buffer.concat(received).toString("latin1"));
    expect(answer.status).toBe(413);
    expect(answer.json).toMatchObject({ error: "payload_too_large" });
    expect((await api(baseUrl, "/api/health")).status).toBe(200);
  });

  it("accepts settings within the limit, chunked or not", async () => {
    const bin = await createBin(baseUrl);
    const rules = Array.from({ length: 20 }, (_, i) => ({ path: { mode: "exact", value: `/r${i}` }, response: { status: 202, body: "y".repeat(4000) } }));
    const body = JSON.stringify({ rules });
    expect(body.length).toBeLessThan(apiMaxBodyBytes);
    expect((await patchBin(baseUrl, bin.id, { rules })).status).toBe(200);
    const chunked = await exchange(
      patchHead(bin.id, ["Transfer-Encoding: chunked", "Connection: close"]) + `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
    );
    expect(chunked.status).toBe(200);
  });

  it("413s an oversize API body that asks for 100-continue without inviting it", async () => {
    const bin = await createBin(baseUrl);
    const answer = await exchange(patchHead(bin.id, ["Expect: 100-continue", `Content-Length: ${apiMaxBodyBytes * 2}`]));
    expect(answer.raw).not.toContain("100 Continue");
    expect(answer.status).toBe(413);
  });
});

/** A live stream opened from a loopback address of our choosing (127.0.0.x), so the server sees distinct clients. */
async function openStreamFrom(localAddress: string, binId: string): Promise<{ status: number; json: unknown; text: () => string; close: () => void }> {
  const { port } = new URL(baseUrl);
  const socket = net.connect({ host: "127.0.0.1", port: Number(port), localAddress });
  socket.on("error", () => undefined);
  let text = "";
  socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
  socket.write(`GET /api/bins/${binId}/stream HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\nAuthorization: Bearer ${tokenOf(binId)}\r\n\r\n`);
  // A stream's head, or a refusal's whole JSON answer.
  const answer = await eventually(() => {
    const parsed = parseAnswer(text);
    expect(parsed.status).not.toBe(0);
    if (parsed.status !== 200) expect(parsed.body.length).toBe(Number(parsed.headers.get("content-length")));
    return parsed;
  }, 5_000);
  return { status: answer.status, json: answer.json, text: () => text, close: () => socket.destroy() };
}

describe("live streams are capped per client address and in total", () => {
  it("refuses a client its fourth stream with 429 and everyone beyond the total with 503, and keeps the open ones live", async () => {
    const bin = await createBin(baseUrl);
    const mine = [];
    for (let i = 0; i < maxStreamsPerIp; i++) mine.push(await openStreamFrom("127.0.0.1", bin.id));
    expect(mine.map((stream) => stream.status)).toEqual([200, 200, 200]);
    const refused = await openStreamFrom("127.0.0.1", bin.id);
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ error: "too_many_requests", message: expect.stringContaining("MAX_STREAMS_PER_IP") });

    const others = [await openStreamFrom("127.0.0.2", bin.id), await openStreamFrom("127.0.0.3", bin.id)];
    expect(others.map((stream) => stream.status)).toEqual([200, 200]);
    const full = await openStreamFrom("127.0.0.4", bin.id);
    expect(full.status).toBe(503);
    expect(full.json).toMatchObject({ error: "service_unavailable", message: expect.stringContaining("MAX_STREAMS") });

    const id = await captureOk(baseUrl, bin.id, { body: "still live" });
    // The bin's first capture: event id 1 (its place), the capture id in its data.
    const event = `event: request\nid: 1\ndata: {"id":"${id}",`;
    for (const stream of [...mine, ...others]) await eventually(() => expect(stream.text()).toContain(event), 5_000);

    // A stream that closes gives its place back.
    mine[0]!.close();
    await eventually(
      async () => {
        const again = await openStreamFrom("127.0.0.1", bin.id);
        again.close();
        expect(again.status).toBe(200);
      },
      5_000,
      100,
    );
    for (const stream of [...mine, ...others]) stream.close();
  });
});

describe("protocol corners, each answered clearly", () => {
  it("answers OPTIONS * with 204 and Allow, and * with any other method with 400", async () => {
    const options = await exchange("OPTIONS * HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    expect(options.status).toBe(204);
    expect(options.headers.get("allow")).toContain("POST");
    const get = await exchange("GET * HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    expect(get.status).toBe(400);
    expect(get.json).toMatchObject({ error: "bad_request" });
  });

  it.each(["/api/bins/%E0%A4%A/requests", "/bins/%E0%A4%A", "/api/%zz"])("404s the malformed percent-escape in %s with a JSON problem", async (target) => {
    const answer = await exchange(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    expect(answer.status).toBe(404);
    expect(answer.json).toMatchObject({ error: "not_found", message: expect.stringContaining("percent-escape") });
  });

  it("never redirects to the host an absolute-form or //host target names", async () => {
    const bin = await createBin(baseUrl);
    const alias = `corner-${Date.now()}`;
    expect((await patchBin(baseUrl, bin.id, { alias })).status).toBe(200);
    const targets = [
      "http://evil.example/",
      "http://evil.example",
      "http://evil.example/api/health",
      `http://evil.example/api/bins/${bin.id}`,
      `http://evil.example/bins/${bin.id}`,
      `http://evil.example/bins/${bin.id}/`,
      `http://evil.example/bins/${alias}`,
      "//evil.example/path",
      "//evil.example/",
      "///evil.example/",
    ];
    for (const target of targets) {
      const answer = await exchange(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
      expect(answer.status, target).toBeGreaterThanOrEqual(200);
      expect(answer.status, target).toBeLessThan(500);
      for (const name of ["location", "refresh"]) {
        const value = answer.headers.get(name);
        if (value !== undefined) expect(new URL(value.replace(/^0;url=/, ""), "http://test").host, `${target} → ${name}: ${value}`).toBe("test");
      }
    }
  });

  it("answers Expect: 100-continue with the 404 or 413 instead of 100 Continue, and invites a body it will take", async () => {
    const unknown = await exchange("POST /b/AAAAAAAAAAAAAAAAAAAAAA HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
    expect(unknown.raw).not.toContain("100 Continue");
    expect(unknown.status).toBe(404);

    const bin = await createBin(baseUrl);
    const oversize = await exchange(`POST /b/${bin.id} HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n`);
    expect(oversize.raw).not.toContain("100 Continue");
    expect(oversize.status).toBe(413);

    const socket = await connect(baseUrl);
    let text = "";
    socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
    socket.write(`POST /b/${bin.id} HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n`);
    await eventually(() => expect(text).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\n/), 5_000);
    socket.write("hello");
    await eventually(() => expect(parseAnswer(text).status).toBe(200), 5_000);
    socket.destroy();
  });

  it("captures a request with thousands of headers whole, never a silent part of them", async () => {
    const bin = await createBin(baseUrl);
    const count = 2_501;
    const lines = Array.from({ length: count }, (_, i) => `h:${i}`);
    const answer = await exchange([`POST /b/${bin.id} HTTP/1.1`, "Host: localhost", ...lines, "Content-Length: 0", "Connection: close", "", ""].join("\r\n"));
    // 2,501 short headers are about 20 KiB, well within MAX_HEADER_BYTES (64 KiB).
    expect(answer.status).toBe(200);
    const detail = await getRequest(baseUrl, bin.id, answer.headers.get("x-request-id")!);
    expect(detail.headers.filter(([name]) => name === "h")).toHaveLength(count);
    expect(detail.headers.at(-1)).toEqual(["Connection", "close"]);
  });

  it("gives a stored capture its X-Request-Id even when its custom response cannot be rendered", async () => {
    const bin = await createBin(baseUrl);
    // 4,096 copies of a 140 KB body is longer than a JavaScript string can be.
    const template = "{{request.body}}".repeat(4096);
    expect((await patchBin(baseUrl, bin.id, { response: { status: 200, headers: [["X-Custom", "1"]], body: template } })).status).toBe(200);
    const answer = await exchange(`POST /b/${bin.id} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 140000\r\nConnection: close\r\n\r\n${"b".repeat(140_000)}`);
    expect(answer.status).toBe(500);
    expect(answer.headers.has("x-custom")).toBe(false);
    const id = answer.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9A-Z]{26}$/);
    expect(answer.json).toMatchObject({ error: "internal_error", id });
    expect((await getRequest(baseUrl, bin.id, id!)).size).toBe(140_000);
  });
});

describe("behind a trusted proxy (TRUST_PROXY=loopback), and the database file", () => {
  let proxied: TestServer;
  let dataRoot: string;
  let databaseFile: string;

  beforeAll(async () => {
    dataRoot = mkdtempSync(path.join(tmpdir(), "hookyard-fresh-"));
    databaseFile = path.join(dataRoot, "made", "by-hookyard", "hookyard.db");
    proxied = await startTestServer({ env: { TRUST_PROXY: "loopback", DATABASE_URL: `file:${databaseFile}` } });
  });

  afterAll(async () => {
    await proxied?.dispose();
    rmSync(dataRoot, { recursive: true, force: true });
  });

  it("records the right-most hop that is not a trusted proxy, not the one the client wrote", async () => {
    const bin = await createBin(proxied.baseUrl);
    // The client claims 198.51.100.66; our proxy (loopback) appended the address it saw.
    const id = await captureOk(proxied.baseUrl, bin.id, { headers: { "X-Forwarded-For": "198.51.100.66, 203.0.113.9" } });
    expect((await getRequest(proxied.baseUrl, bin.id, id)).ip).toBe("203.0.113.9");
  });

  it("reads every X-Forwarded-For line, skipping trusted hops", async () => {
    const bin = await createBin(proxied.baseUrl);
    const raw = await rawExchange(
      proxied.baseUrl,
      `POST /b/${bin.id} HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-For: 198.51.100.66\r\nX-Forwarded-For: 203.0.113.9, 127.0.0.5\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
    );
    const id = parseAnswer(raw).headers.get("x-request-id")!;
    expect((await getRequest(proxied.baseUrl, bin.id, id)).ip).toBe("203.0.113.9");
  });

  it("builds capture and bin URLs from X-Forwarded-Proto/-Host sent by a trusted proxy", async () => {
    const forwarded = { "X-Forwarded-Proto": "https", "X-Forwarded-Host": "hooks.example.com" };
    // The first value of a list, as the outermost proxy wrote it.
    const bin = await createBin(proxied.baseUrl, { ...forwarded, "X-Forwarded-Host": "hooks.example.com, inner.proxy" });
    expect(bin.url).toBe(`https://hooks.example.com/b/${bin.id}`);
    const id = await captureOk(proxied.baseUrl, bin.id, { path: "/signed", headers: forwarded });
    expect((await getRequest(proxied.baseUrl, bin.id, id)).url).toBe(`https://hooks.example.com/b/${bin.id}/signed`);
  });

  it("ignores X-Forwarded-* from a peer that is no trusted proxy (TRUST_PROXY unset)", async () => {
    const forwarded = { "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example", "X-Forwarded-For": "203.0.113.9" };
    // The API of this local-only instance refuses such a request outright (local-only.test.ts); captures are for anyone.
    const bin = await createBin(baseUrl);
    const id = await captureOk(baseUrl, bin.id, { path: "/signed", headers: forwarded });
    const detail = await getRequest(baseUrl, bin.id, id);
    expect(detail.url).toBe(`${baseUrl}/b/${bin.id}/signed`);
    expect(detail.ip).toBe("127.0.0.1");
  });

  it("creates the SQLite file and its -wal and -shm readable by the owner only, in folders only the owner can enter", () => {
    const mode = (file: string) => statSync(file).mode & 0o777;
    expect(mode(databaseFile)).toBe(0o600);
    expect(mode(`${databaseFile}-wal`)).toBe(0o600);
    expect(mode(`${databaseFile}-shm`)).toBe(0o600);
    expect(mode(path.dirname(databaseFile))).toBe(0o700);
    expect(mode(path.dirname(path.dirname(databaseFile)))).toBe(0o700);
  });
});
