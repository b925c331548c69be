import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { capture, captureOk, connect, countCapturedRows, createBin, getRaw, getRequest, listAllRequests, rawExchange } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { openStream, requestIds } from "../support/sse.ts";

/**
 * Hostile and broken requests, sent over raw sockets so nothing is tidied up on the
 * way. For each: the answer, that nothing (or exactly what was sent) is stored, and
 * that the server still answers /api/health afterwards.
 */
const maxBodyBytes = 4096;
let server: TestServer;
let baseUrl: string;

beforeAll(async () => {
  server = await startTestServer({
    env: { MAX_BODY_BYTES: String(maxBodyBytes), HEADERS_TIMEOUT_MS: "1000", REQUEST_TIMEOUT_MS: "2000" },
  });
  baseUrl = server.baseUrl;
});

afterAll(async () => {
  await server?.dispose();
});

afterEach(async () => {
  const health = await fetch(`${baseUrl}/api/health`);
  expect(health.status).toBe(200);
});

type Answer = { status: number; head: string; json: unknown };

/** Sends raw bytes on a fresh socket and parses the single answer the server closes with. */
async function exchange(bytes: string | Buffer, timeoutMs?: number): Promise<Answer> {
  const text = await rawExchange(baseUrl, bytes, timeoutMs);
  const end = text.indexOf("\r\n\r\n");
  const head = end === -1 ? text : text.slice(0, end);
  const body = end === -1 ? "" : text.slice(end + 4);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, json };
}

const head = (target: string, lines: string[] = []) => [`POST ${target} HTTP/1.1`, "Host: localhost", ...lines, "Connection: close", "", ""].join("\r\n");

describe("bodies that are too large or never complete", () => {
  it("413s a declared body over MAX_BODY_BYTES and stores nothing", async () => {
    const bin = await createBin(baseUrl);
    const answer = await exchange(head(`/b/${bin.id}`, [`Content-Length: ${maxBodyBytes + 1}`]) + "x".repeat(maxBodyBytes + 1));
    expect(answer.status).toBe(413);
    expect(answer.json).toMatchObject({ error: "payload_too_large" });
    expect(countCapturedRows(server.databaseFile, bin.id)).toBe(0);
  });

  it("stores nothing when the client declares more than it sends and disconnects", async () => {
    const bin = await createBin(baseUrl);
    const socket = await connect(baseUrl);
    const closed = new Promise((resolve) => socket.on("close", resolve));
    socket.write(head(`/b/${bin.id}/partial`, ["Content-Length: 1000"]) + "only forty bytes of the thousand promise");
    socket.destroy();
    await closed;
    // A complete capture after it: only that one is there.
    const id = await captureOk(baseUrl, bin.id, { body: "complete" });
    expect((await listAllRequests(baseUrl, bin.id)).map((request) => request.id)).toEqual([id]);
  });

  it("times out a body that never finishes (slowloris) with 408, and stores nothing", async () => {
    const bin = await createBin(baseUrl);
    const answer = await exchange(head(`/b/${bin.id}/slow`, ["Content-Length: 100"]) + "ten bytes.", 15_000);
    expect(answer.status).toBe(408);
    expect(answer.json).toMatchObject({ error: "request_timeout" });
    expect(countCapturedRows(server.databaseFile, bin.id)).toBe(0);
  });

  it("times out a request head that never finishes with 408", async () => {
    const bin = await createBin(baseUrl);
    const answer = await exchange(`POST /b/${bin.id} HTTP/1.1\r\nHost: localhost\r\nX-Slow: `, 15_000);
    expect(answer.status).toBe(408);
    expect(countCapturedRows(server.databaseFile, bin.id)).toBe(0);
  });
});

describe("what the timeouts must not cut", () => {
  it("keeps a live stream open past REQUEST_TIMEOUT_MS: its request is complete, only the response goes on", async () => {
    const bin = await createBin(baseUrl);
    const stream = await openStream(baseUrl, bin.id);
    // Longer than REQUEST_TIMEOUT_MS (2 s) plus the server's check interval.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const id = await captureOk(baseUrl, bin.id, { body: "still listening" });
    expect(requestIds(await stream.waitForEvents("request", 1))).toEqual([id]);
    stream.close();
  });
});

describe("heads the parser refuses", () => {
  it("431s 10,000 headers", async () => {
    const bin = await createBin(baseUrl);
    const many = Array.from({ length: 10_000 }, (_, i) => `X-H${i}: ${i}`);
    const answer = await exchange(head(`/b/${bin.id}`, [...many, "Content-Length: 0"]));
    expect(answer.status).toBe(431);
    expect(answer.json).toMatchObject({ error: "request_header_fields_too_large" });
    expect(countCapturedRows(server.databaseFile, bin.id)).toBe(0);
  });

  it("431s one 80 KB header", async () => {
    const bin = await createBin(baseUrl);
    const answer = await exchange(head(`/b/${bin.id}`, [`X-Big: ${"a".repeat(80 * 1024)}`, "Content-Length: 0"]));
    expect(answer.status).toBe(431);
    expect(countCapturedRows(server.databaseFile, bin.id)).toBe(0);
  });

  it.each([
    ["not HTTP at all", "this is not http\r\n\r\n"],
    ["a space inside the target", "GET /b/x y HTTP/1.1\r\nHost: localhost\r\n\r\n"],
    ["an unknown HTTP version", "GET /api/health HTTP/7.1\r\nHost: localhost\r\n\r\n"],
    ["a lowercase method", "get /api/health HTTP/1.1\r\nHost: localhost\r\n\r\n"],
    ["a bare LF request line", "GET /api/health HTTP/1.1\nHost: localhost\n\n"],
  ])("400s a malformed request line: %s", async (_name, bytes) => {
    const before = countCapturedRows(server.databaseFile);
    const answer = await exchange(bytes);
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: "bad_request" });
    expect(countCapturedRows(server.databaseFile)).toBe(before);
  });

  it.each([
    ["a NUL byte", "a\u0000b"],
    ["a control character", "a\u0001b"],
    ["an escape sequence", "\u001b[31mred"],
    ["a bare CR", "a\rb"],
    ["DEL", "a\u007fb"],
  ])("400s %s in a header value and stores nothing", async (_name, value) => {
    const bin = await createBin(baseUrl);
    const answer = await exchange(Buffer.from(head(`/b/${bin.id}`, [`X-Odd: ${value}`, "Content-Length: 0"]), "latin1"));
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: "bad_request" });
    expect(countCapturedRows(server.databaseFile, bin.id)).toBe(0);
  });

  it("captures a tab and bytes above 0x7F in a header value exactly (as Latin-1)", async () => {
    const bin = await createBin(baseUrl);
    const value = "tab\there caf\u00e9 \u00ff";
    const answer = await exchange(Buffer.from(head(`/b/${bin.id}`, [`X-Odd: ${value}`, "Content-Length: 0"]), "latin1"));
    expect(answer.status).toBe(200);
    const detail = await getRequest(baseUrl, bin.id, (answer.json as { id: string }).id);
    expect(detail.headers).toContainEqual(["X-Odd", value]);
  });
});

describe("bin ids", () => {
  it.each(["/b/", "/b/not-a-bin", "/b/AAAAAAAAAAAAAAAAAAAAA%00", "/b/..", "/b/../api/health", "/b/%2e%2e/api/health"])(
    "404s the invalid bin id in %s",
    async (target) => {
      const before = countCapturedRows(server.databaseFile);
      const answer = await exchange(head(target, ["Content-Length: 2"]) + "{}");
      expect(answer.status).toBe(404);
      expect(answer.json).toMatchObject({ error: "not_found" });
      expect(countCapturedRows(server.databaseFile)).toBe(before);
    },
  );

  it("404s a well-formed bin id that does not exist", async () => {
    const before = countCapturedRows(server.databaseFile);
    const answer = await exchange(head("/b/AAAAAAAAAAAAAAAAAAAAAA/hook", ["Content-Length: 2"]) + "{}");
    expect(answer.status).toBe(404);
    expect(countCapturedRows(server.databaseFile)).toBe(before);
  });
});

describe("bodies that are not what they claim", () => {
  it.each([
    ["invalid JSON", "application/json", Buffer.from('{"unclosed": [1, 2,')],
    ["invalid UTF-8 claimed as UTF-8", "text/plain; charset=utf-8", Buffer.from([0x48, 0xc3, 0x28, 0xe2, 0x82, 0xff, 0xfe, 0x00, 0x41])],
    ["a form body with broken escapes", "application/x-www-form-urlencoded", Buffer.from("a=%zz&b=%E0%A4&=&&c")],
  ])("captures %s byte for byte with 200", async (_name, contentType, body) => {
    const bin = await createBin(baseUrl);
    const result = await capture(baseUrl, bin.id, { body, headers: { "Content-Type": contentType } });
    expect(result.status).toBe(200);
    const raw = await getRaw(baseUrl, bin.id, result.id!);
    expect(raw.body.equals(body)).toBe(true);
    expect(raw.headers["content-type"]).toBe(contentType);
  });
});

describe("paths that try to climb out", () => {
  it.each(["/../../etc/passwd", "/..%2F..%2Fetc%2Fpasswd", "/a%2F..%2F..%2Fb", "/%2e%2e/%2e%2e/etc/passwd", "/..", "/./x/../y"])(
    "captures %s under the bin with the path exactly as sent",
    async (subPath) => {
      const bin = await createBin(baseUrl);
      const answer = await exchange(head(`/b/${bin.id}${subPath}?file=../../etc/passwd`, ["Content-Length: 0"]));
      expect(answer.status).toBe(200);
      const detail = await getRequest(baseUrl, bin.id, (answer.json as { id: string }).id);
      expect(detail).toMatchObject({ binId: bin.id, path: subPath, query: "file=../../etc/passwd" });
      expect(detail.url).toBe(`http://localhost/b/${bin.id}${subPath}?file=../../etc/passwd`);
      expect(Buffer.from(detail.bodyBase64, "base64").toString()).not.toContain("root:");
    },
  );
});
