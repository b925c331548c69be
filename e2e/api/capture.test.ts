import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  binaryBody,
  capture,
  captureOk,
  connect,
  countCapturedRows,
  createBin,
  getRaw,
  getRequest,
  listAllRequests,
  rawExchange,
  request,
} from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

const maxBodyBytes = 4096;
let server: TestServer;
let baseUrl: string;

beforeAll(async () => {
  server = await startTestServer({ env: { MAX_BODY_BYTES: String(maxBodyBytes) } });
  baseUrl = server.baseUrl;
});

afterAll(async () => {
  await server?.dispose();
});

function statusLine(response: string): string {
  return response.slice(0, response.indexOf("\r\n"));
}

function bodyOf(response: string): string {
  return response.slice(response.indexOf("\r\n\r\n") + 4);
}

describe("methods", () => {
  // CONNECT never reaches a request handler (it has its own test below).
  const methods = http.METHODS.filter((method) => method !== "CONNECT");

  it("covers the non-standard verbs webhooks and WebDAV clients use", () => {
    for (const method of ["PROPFIND", "PURGE", "REPORT", "SEARCH", "QUERY", "MKCOL", "LOCK", "GET", "HEAD", "DELETE", "PATCH", "OPTIONS"]) {
      expect(methods).toContain(method);
    }
  });

  it.each(methods)("captures %s with its sub-path and raw query", async (method) => {
    const bin = await createBin(baseUrl);
    const body = method === "HEAD" || method === "GET" ? undefined : `body of ${method}`;
    const response = await capture(baseUrl, bin.id, {
      method,
      path: `/verbs/${method}/caf%C3%A9`,
      query: `m=${method}&enc=%2F%20x`,
      headers: body ? { "Content-Type": "text/plain" } : {},
      body,
    });

    expect(response.status).toBe(200);
    expect(response.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    if (method !== "HEAD") expect(response.json).toEqual({ ok: true, id: response.id });

    const detail = await getRequest(baseUrl, bin.id, response.id!);
    expect(detail).toMatchObject({
      id: response.id,
      binId: bin.id,
      method,
      path: `/verbs/${method}/caf%C3%A9`,
      query: `m=${method}&enc=%2F%20x`,
      url: `${baseUrl}/b/${bin.id}/verbs/${method}/caf%C3%A9?m=${method}&enc=%2F%20x`,
      ip: "127.0.0.1",
    });
    expect(Buffer.from(detail.bodyBase64, "base64").toString()).toBe(body ?? "");
  });

  it("answers CONNECT with 405 instead of dropping the socket, and stores nothing", async () => {
    const before = countCapturedRows(server.databaseFile);
    const answer = await rawExchange(baseUrl, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    expect(statusLine(answer)).toBe("HTTP/1.1 405 Method Not Allowed");
    expect(JSON.parse(bodyOf(answer))).toMatchObject({ error: "method_not_allowed" });
    expect(countCapturedRows(server.databaseFile)).toBe(before);
  });

  it("a verb Node does not know is refused before capture and nothing is stored", async () => {
    const bin = await createBin(baseUrl);
    const answer = await rawExchange(baseUrl, `BREW /b/${bin.id} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(statusLine(answer)).toMatch(/^HTTP\/1\.1 400 /);
    expect(countCapturedRows(server.databaseFile, bin.id)).toBe(0);
  });
});

describe("request target", () => {
  const cases: { name: string; path: string; query?: string; expectedPath: string; expectedQuery: string }[] = [
    { name: "bare bin URL", path: "", expectedPath: "", expectedQuery: "" },
    { name: "bin URL with trailing slash", path: "/", expectedPath: "/", expectedQuery: "" },
    { name: "bare bin URL with a query", path: "", query: "a=1", expectedPath: "", expectedQuery: "a=1" },
    {
      name: "percent-encoding kept as sent, including encoded slashes and invalid escapes",
      path: "/a%20b/%2F%2e%2E/caf%C3%A9/%zz",
      query: "x=%2F&y=a+b&z=%zz&empty=&flag&x=2",
      expectedPath: "/a%20b/%2F%2e%2E/caf%C3%A9/%zz",
      expectedQuery: "x=%2F&y=a+b&z=%zz&empty=&flag&x=2",
    },
    { name: "dot segments are not resolved", path: "/x/../y/./z//", expectedPath: "/x/../y/./z//", expectedQuery: "" },
    { name: "question marks after the first belong to the query", path: "/q", query: "a=?b=?", expectedPath: "/q", expectedQuery: "a=?b=?" },
  ];

  it.each(cases)("$name", async ({ path, query, expectedPath, expectedQuery }) => {
    const bin = await createBin(baseUrl);
    const id = await captureOk(baseUrl, bin.id, { method: "GET", path, query });
    const detail = await getRequest(baseUrl, bin.id, id);
    expect(detail.path).toBe(expectedPath);
    expect(detail.query).toBe(expectedQuery);
    expect(detail.url).toBe(`${baseUrl}/b/${bin.id}${path}${query !== undefined ? `?${query}` : ""}`);
    const [summary] = await listAllRequests(baseUrl, bin.id);
    expect(summary).toMatchObject({ id, path: expectedPath, query: expectedQuery });
  });

  it("keeps the absolute-form target a proxy sends as the captured URL", async () => {
    const bin = await createBin(baseUrl);
    const answer = await rawExchange(
      baseUrl,
      `PUT http://hooks.example.net/b/${bin.id}/abs?k=v HTTP/1.1\r\nHost: hooks.example.net\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
    );
    expect(statusLine(answer)).toBe("HTTP/1.1 200 OK");
    const { id } = JSON.parse(bodyOf(answer)) as { id: string };
    const detail = await getRequest(baseUrl, bin.id, id);
    expect(detail).toMatchObject({ method: "PUT", path: "/abs", query: "k=v", url: `http://hooks.example.net/b/${bin.id}/abs?k=v` });
  });
});

describe("bodies", () => {
  it("round-trips every byte value and invalid UTF-8 through bodyBase64 and /raw", async () => {
    const bin = await createBin(baseUrl);
    const body = binaryBody();
    const contentType = "application/x-hookyard-test; charset=binary";
    const id = await captureOk(baseUrl, bin.id, { body, headers: { "Content-Type": contentType } });

    const detail = await getRequest(baseUrl, bin.id, id);
    expect(detail.size).toBe(body.length);
    expect(detail.contentType).toBe(contentType);
    expect(Buffer.from(detail.bodyBase64, "base64").equals(body)).toBe(true);

    const raw = await getRaw(baseUrl, bin.id, id);
    expect(raw.status).toBe(200);
    expect(raw.headers["content-type"]).toBe(contentType);
    expect(raw.body.equals(body)).toBe(true);
  });

  it("does not 'repair' invalid UTF-8 even when the sender claims UTF-8 text", async () => {
    const bin = await createBin(baseUrl);
    const body = Buffer.concat([Buffer.from("valid ✓ then "), Buffer.from([0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from(" end")]);
    const id = await captureOk(baseUrl, bin.id, { body, headers: { "Content-Type": "text/plain; charset=utf-8" } });
    const raw = await getRaw(baseUrl, bin.id, id);
    expect(raw.body.equals(body)).toBe(true);
    expect(Buffer.from((await getRequest(baseUrl, bin.id, id)).bodyBase64, "base64").equals(body)).toBe(true);
  });

  it("stores an empty body as zero bytes, with or without Content-Length", async () => {
    const bin = await createBin(baseUrl);
    const withLength = await captureOk(baseUrl, bin.id, { method: "POST", headers: { "Content-Length": "0" } });
    const withoutBody = await captureOk(baseUrl, bin.id, { method: "GET" });
    for (const id of [withLength, withoutBody]) {
      const detail = await getRequest(baseUrl, bin.id, id);
      expect(detail.size).toBe(0);
      expect(detail.bodyBase64).toBe("");
      expect(detail.contentType).toBeNull();
      const raw = await getRaw(baseUrl, bin.id, id);
      expect(raw.status).toBe(200);
      expect(raw.body.length).toBe(0);
      expect(raw.headers["content-type"]).toBe("application/octet-stream");
    }
  });

  it("reassembles a chunked body exactly", async () => {
    const bin = await createBin(baseUrl);
    const parts = [Buffer.from([0, 1, 2, 0xff]), Buffer.from("\r\n0\r\n\r\n looks like a terminator"), Buffer.from([0x80])];
    const chunked = Buffer.concat([
      ...parts.flatMap((part) => [Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from("\r\n")]),
      Buffer.from("0\r\n\r\n"),
    ]);
    const head = `POST /b/${bin.id}/chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`;
    const answer = await rawExchange(baseUrl, Buffer.concat([Buffer.from(head), chunked]));
    expect(statusLine(answer)).toBe("HTTP/1.1 200 OK");
    const { id } = JSON.parse(bodyOf(answer)) as { id: string };
    const raw = await getRaw(baseUrl, bin.id, id);
    expect(raw.body.equals(Buffer.concat(parts))).toBe(true);
  });

  it("accepts a body of exactly MAX_BODY_BYTES", async () => {
    const bin = await createBin(baseUrl);
    const body = Buffer.alloc(maxBodyBytes, 0x61);
    const id = await captureOk(baseUrl, bin.id, { body });
    expect((await getRequest(baseUrl, bin.id, id)).size).toBe(maxBodyBytes);
  });
});

describe("headers", () => {
  it("keeps duplicates, original case and wire order, as sent on a raw socket", async () => {
    const bin = await createBin(baseUrl);
    const sent: [string, string][] = [
      ["Host", "hooks.example.test"],
      ["X-Dup", "one"],
      ["x-MiXeD-CaSe", "Value  With   Spaces"],
      ["content-type", "text/plain"],
      ["X-Dup", "two"],
      ["Set-Cookie", "a=1"],
      ["set-cookie", "b=2"],
      ["X-Empty", ""],
      ["x-dup", "three"],
      ["Content-Length", "5"],
      ["Connection", "close"],
    ];
    const request = `POST /b/${bin.id}/h?x=1 HTTP/1.1\r\n${sent.map(([name, value]) => `${name}: ${value}\r\n`).join("")}\r\nhello`;
    const answer = await rawExchange(baseUrl, request);
    expect(statusLine(answer)).toBe("HTTP/1.1 200 OK");
    const { id } = JSON.parse(bodyOf(answer)) as { id: string };
    expect(answer).toContain(`X-Request-Id: ${id}`);

    const detail = await getRequest(baseUrl, bin.id, id);
    expect(detail.headers).toEqual(sent);
    expect(detail.contentType).toBe("text/plain");
    expect(detail.url).toBe(`http://hooks.example.test/b/${bin.id}/h?x=1`);
    expect(Buffer.from(detail.bodyBase64, "base64").toString()).toBe("hello");
  });

  // Behind a trusted proxy they are believed: e2e/api/protocol-corners.test.ts.
  it("records the URL from Host, not from X-Forwarded-Proto/-Host a client that is no trusted proxy sent", async () => {
    const bin = await createBin(baseUrl);
    const id = await captureOk(baseUrl, bin.id, {
      path: "/signed",
      query: "a=1",
      headers: { "X-Forwarded-Proto": "https", "X-Forwarded-Host": "public.example.com" },
    });
    expect((await getRequest(baseUrl, bin.id, id)).url).toBe(`${baseUrl}/b/${bin.id}/signed?a=1`);
  });

  it("ignores X-Forwarded-For for the client IP unless TRUST_PROXY is set", async () => {
    const bin = await createBin(baseUrl);
    const id = await captureOk(baseUrl, bin.id, { headers: { "X-Forwarded-For": "203.0.113.9" } });
    expect((await getRequest(baseUrl, bin.id, id)).ip).toBe("127.0.0.1");
  });
});

describe("refusals store nothing", () => {
  it("404s unknown and malformed bin ids", async () => {
    const before = countCapturedRows(server.databaseFile);
    const unknown = "AAAAAAAAAAAAAAAAAAAAAA"; // the shape of a bin id, but no such bin
    const targets = [
      `/b/${unknown}`,
      `/b/${unknown}/sub?x=1`,
      "/b/",
      "/b//x",
      "/b/short",
      "/b/AAAAAAAAAAAAAAAAAAAAAAA", // 23 characters
      "/b/AAAAAAAAAAAAAAAAAAAA!!",
      "/b/%41AAAAAAAAAAAAAAAAAAAAA",
      "/b/..%2F..%2Fapi",
    ];
    for (const path of targets) {
      for (const method of ["POST", "PROPFIND"]) {
        const response = await request(baseUrl, { method, path, headers: { "Content-Type": "text/plain" }, body: "payload" });
        expect(response.status, `${method} ${path}`).toBe(404);
        expect(response.json, `${method} ${path}`).toMatchObject({ error: "not_found" });
      }
    }
    expect(countCapturedRows(server.databaseFile)).toBe(before);
  });

  it("413s at once when Content-Length is over the limit, before any body is sent", async () => {
    const bin = await createBin(baseUrl);
    // No body follows the headers: only an answer based on Content-Length can arrive.
    const answer = await rawExchange(baseUrl, `POST /b/${bin.id} HTTP/1.1\r\nHost: x\r\nContent-Length: ${maxBodyBytes + 1}\r\n\r\n`, 5_000);
    expect(statusLine(answer)).toBe("HTTP/1.1 413 Payload Too Large");
    expect(JSON.parse(bodyOf(answer))).toMatchObject({ error: "payload_too_large" });
    expect(countCapturedRows(server.databaseFile, bin.id)).toBe(0);
  });

  it("413s a normal oversized POST with a JSON problem", async () => {
    const bin = await createBin(baseUrl);
    const response = await capture(baseUrl, bin.id, { body: Buffer.alloc(maxBodyBytes + 1, 0x62) });
    expect(response.status).toBe(413);
    expect(response.json).toMatchObject({ error: "payload_too_large" });
    expect(countCapturedRows(server.databaseFile, bin.id)).toBe(0);
  });

  it("413s a chunked body as soon as it crosses the limit, while the client is still sending", async () => {
    const bin = await createBin(baseUrl);
    const socket = await connect(baseUrl);
    const received: Buffer[] = [];
    const answered = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no 413 while the body was still open; got ${Buffer.concat(received)}`)), 5_000);
      socket.on("data", (chunk: Buffer) => {
        received.push(chunk);
        const text = Buffer.concat(received).toString("latin1");
        if (text.includes("\r\n\r\n") && text.includes("}")) {
          clearTimeout(timer);
          resolve(text);
        }
      });
      socket.on("error", () => undefined);
    });
    const chunk = Buffer.alloc(1500, 0x63);
    socket.write(`POST /b/${bin.id}/big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`);
    for (let i = 0; i < 4; i++) socket.write(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]));
    // The terminating 0-chunk is never sent.
    const answer = await answered;
    socket.destroy();
    expect(statusLine(answer)).toBe("HTTP/1.1 413 Payload Too Large");
    expect(JSON.parse(bodyOf(answer))).toMatchObject({ error: "payload_too_large" });
    expect(countCapturedRows(server.databaseFile, bin.id)).toBe(0);
  });

  it.each([
    ["Content-Length", (id: string) => `POST /b/${id}/gone HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n${"d".repeat(300)}`],
    ["chunked", (id: string) => `POST /b/${id}/gone HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n12c\r\n${"d".repeat(150)}`],
  ])("a client that disconnects mid-body (%s) leaves nothing behind and the server keeps answering", async (_kind, build) => {
    const bin = await createBin(baseUrl);
    const socket = await connect(baseUrl);
    await new Promise<void>((resolve) => socket.write(build(bin.id), () => resolve()));
    // Give the server time to parse the headers and start reading the body, then vanish.
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));

    const after = await captureOk(baseUrl, bin.id, { path: "/after", body: "still here" });
    const stored = await listAllRequests(baseUrl, bin.id);
    expect(stored.map((r) => r.id)).toEqual([after]);
    expect(countCapturedRows(server.databaseFile, bin.id)).toBe(1);
    expect((await fetch(`${baseUrl}/api/health`)).status).toBe(200);
  });

  it("answers every capture with CORS headers so browsers can send test hooks", async () => {
    const bin = await createBin(baseUrl);
    const ok = await capture(baseUrl, bin.id, { body: "x" });
    const missing = await capture(baseUrl, "AAAAAAAAAAAAAAAAAAAAAA", { body: "x" });
    for (const response of [ok, missing]) {
      expect(response.headers["access-control-allow-origin"]).toBe("*");
      expect(response.headers["content-type"]).toMatch(/^application\/json/);
    }
  });

  it("logged no unexpected server errors during this file", () => {
    expect(server.output()).not.toMatch(/uncaughtException|unhandledRejection|unexpected error/);
  });
});
