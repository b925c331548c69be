import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BinDto, RequestPage } from "../../lib/types.ts";
import { api, capture, captureOk, connect, countCapturedRows, createBin, getRaw, getRequest, listRequests, rememberToken } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { eagerCompileHint } from "../../scripts/compile-hints.mjs";

let server: TestServer;
let baseUrl: string;

const captureLimit = 500;

beforeAll(async () => {
  server = await startTestServer({ env: { MAX_CAPTURES_PER_BIN: String(captureLimit) } });
  baseUrl = server.baseUrl;
});

afterAll(async () => {
  await server?.dispose();
});

const unknownRequestId = "01ARZ3NDEKTSV4RRFFQ69G5FAV"; // valid ULID shape, never issued here

function expectProblem(response: { status: number; json: unknown }, status: number, error: string) {
  expect(response.status).toBe(status);
  expect(response.json).toEqual({ error, message: expect.any(String) });
}

describe("health and bins", () => {
  it("reports health", async () => {
    const response = await api(baseUrl, "/api/health");
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ ok: true });
  });

  it("creates a bin whose URL is where the client reached us, and counts its captures", async () => {
    const before = Date.now();
    const response = await api(baseUrl, "/api/bins", { method: "POST" });
    expect(response.status).toBe(201);
    const bin = response.json as { id: string; url: string; token: string; createdAt: string };
    rememberToken(bin.id, bin.token);
    expect(bin.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(bin.url).toBe(`${baseUrl}/b/${bin.id}`);
    // SQLite's CURRENT_TIMESTAMP has whole seconds.
    expect(Date.parse(bin.createdAt)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(Date.parse(bin.createdAt)).toBeLessThanOrEqual(Date.now());

    const fetched = await api(baseUrl, `/api/bins/${bin.id}`);
    const { token, ...shown } = bin;
    expect(token).toMatch(/^hyk_[A-Za-z0-9_-]{43}$/);
    expect(fetched.json).toEqual({
      ...shown,
      requestCount: 0,
      captureLimit,
      signature: null,
      forward: null,
      alias: null,
      response: null,
      rules: [],
      cors: true,
      role: "owner",
    } satisfies BinDto);
    await captureOk(baseUrl, bin.id);
    await captureOk(baseUrl, bin.id, { method: "PURGE" });
    expect(((await api(baseUrl, `/api/bins/${bin.id}`)).json as BinDto).requestCount).toBe(2);
  });

  it("gives every bin its own id", async () => {
    const ids = await Promise.all(Array.from({ length: 10 }, async () => (await createBin(baseUrl)).id));
    expect(new Set(ids).size).toBe(10);
  });

  // Behind a trusted proxy they are believed: e2e/api/protocol-corners.test.ts.
  it("builds the bin URL from Host, and on this local-only instance refuses a client that came through a proxy it does not trust", async () => {
    const bin = await createBin(baseUrl);
    expect(bin.url).toBe(`${baseUrl}/b/${bin.id}`);
    const forwarded = { "X-Forwarded-Proto": "https", "X-Forwarded-Host": "other.example.org" };
    const made = await api(baseUrl, "/api/bins", { method: "POST", headers: forwarded });
    expect(made.status).toBe(421);
    expect(made.text).not.toContain("hyk_");
    expect((await api(baseUrl, `/api/bins/${bin.id}`, { headers: forwarded })).status).toBe(421);
  });

  it("404s unknown and malformed bin ids on every bin route", async () => {
    for (const binId of ["AAAAAAAAAAAAAAAAAAAAAA", "short", "AAAAAAAAAAAAAAAAAAAAAAA"]) {
      expectProblem(await api(baseUrl, `/api/bins/${binId}`), 404, "not_found");
      expectProblem(await api(baseUrl, `/api/bins/${binId}`, { method: "DELETE" }), 404, "not_found");
      expectProblem(await api(baseUrl, `/api/bins/${binId}/requests`), 404, "not_found");
      expectProblem(await api(baseUrl, `/api/bins/${binId}/requests`, { method: "DELETE" }), 404, "not_found");
    }
  });
});

describe("listing captures", () => {
  let binId: string;
  let captured: string[];

  beforeAll(async () => {
    binId = (await createBin(baseUrl)).id;
    captured = [];
    for (let batch = 0; batch < 6; batch++) {
      captured.push(
        ...(await Promise.all(Array.from({ length: 20 }, (_, i) => captureOk(baseUrl, binId, { path: `/n/${batch * 20 + i}`, body: "x".repeat(i) })))),
      );
    }
  });

  it("pages through 120 captures newest first with a cursor, each exactly once", async () => {
    const seen: string[] = [];
    const places: number[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const page: RequestPage = await listRequests(baseUrl, binId, `limit=50${cursor ? `&cursor=${cursor}` : ""}`);
      sizes.push(page.requests.length);
      seen.push(...page.requests.map((r) => r.id));
      places.push(...page.requests.map((r) => r.seq));
      // The cursor is the place (seq) of the page's last capture, as a string.
      if (page.nextCursor) expect(page.nextCursor).toBe(String(page.requests.at(-1)!.seq));
      cursor = page.nextCursor;
    } while (cursor);

    expect(sizes).toEqual([50, 50, 20]);
    expect(seen).toEqual([...captured].sort().reverse());
    // Places 1..120 in storing order (which is id order), never skipping one.
    expect(places).toEqual(Array.from({ length: 120 }, (_, i) => 120 - i));
  });

  it("lists summaries only: no body, headers or URL", async () => {
    const { requests } = await listRequests(baseUrl, binId, "limit=1");
    expect(Object.keys(requests[0]!).sort()).toEqual(["binId", "contentType", "id", "ip", "method", "path", "query", "receivedAt", "seq", "signature", "size"]);
  });

  it("defaults to 50 and has no next page when the last page is exactly full", async () => {
    const first = await listRequests(baseUrl, binId);
    expect(first.requests).toHaveLength(50);
    expect(first.nextCursor).not.toBeNull();

    const all = await listRequests(baseUrl, binId, "limit=120");
    expect(all.requests).toHaveLength(120);
    expect(all.nextCursor).toBeNull();

    const almost = await listRequests(baseUrl, binId, "limit=119");
    expect(almost.nextCursor).toBe("2");
    expect(almost.requests[118]!.seq).toBe(2);
    const rest = await listRequests(baseUrl, binId, `limit=119&cursor=${almost.nextCursor}`);
    expect(rest.requests.map((r) => r.id)).toEqual([[...captured].sort()[0]]);
    expect(rest.nextCursor).toBeNull();
  });

  it.each([
    "limit=0",
    "limit=-1",
    "limit=201",
    "limit=1.5",
    "limit=abc",
    "cursor=not-a-cursor",
    "cursor=01arz3ndektsv4rrffq69g5fav",
    // A capture id, as cursors were before captures had places, is no longer one.
    "cursor=01ARZ3NDEKTSV4RRFFQ69G5FAV",
    "cursor=0",
    "cursor=-5",
    "cursor=1.5",
    "cursor=1e2",
    "cursor=050",
    "cursor=1234567890123456",
  ])("rejects %s with 422", async (query) => {
    expectProblem(await api(baseUrl, `/api/bins/${binId}/requests?${query}`), 422, "validation_failed");
  });

  it("refuses a cursor that is one of the bin's own capture ids", async () => {
    const problem = await api(baseUrl, `/api/bins/${binId}/requests?cursor=${captured[60]}`);
    expectProblem(problem, 422, "validation_failed");
    expect(problem.text).toContain("cursor");
  });

  it("accepts the largest limit, 200", async () => {
    expect((await listRequests(baseUrl, binId, "limit=200")).requests).toHaveLength(120);
  });
});

describe("one capture", () => {
  it("404s malformed, unknown and other bins' request ids on detail, raw and delete", async () => {
    const bin = await createBin(baseUrl);
    const other = await createBin(baseUrl);
    const othersCapture = await captureOk(baseUrl, other.id, { body: "not yours" });
    for (const requestId of ["abc", "01arz3ndektsv4rrffq69g5fav", `${unknownRequestId}X`, unknownRequestId, othersCapture]) {
      const base = `/api/bins/${bin.id}/requests/${requestId}`;
      expectProblem(await api(baseUrl, base), 404, "not_found");
      expectProblem(await api(baseUrl, `${base}/raw`), 404, "not_found");
      expectProblem(await api(baseUrl, base, { method: "DELETE" }), 404, "not_found");
    }
    // The other bin's capture survived the DELETE aimed at it through the wrong bin.
    expect((await getRequest(baseUrl, other.id, othersCapture)).id).toBe(othersCapture);
  });

  it("serves /raw in a sandbox, as an attachment on request", async () => {
    const bin = await createBin(baseUrl);
    const html = "<script>alert(document.cookie)</script>";
    const id = await captureOk(baseUrl, bin.id, { body: html, headers: { "Content-Type": "text/html" } });

    const inline = await getRaw(baseUrl, bin.id, id);
    expect(inline.status).toBe(200);
    expect(inline.body.toString()).toBe(html);
    expect(inline.headers["content-type"]).toBe("text/html");
    const csp = String(inline.headers["content-security-policy"]);
    expect(csp.split(";").map((d) => d.trim())).toContain("sandbox");
    expect(csp).toContain("default-src 'none'");
    expect(inline.headers["x-content-type-options"]).toBe("nosniff");
    expect(inline.headers["content-disposition"]).toBeUndefined();

    const download = await getRaw(baseUrl, bin.id, id, "download=1");
    expect(download.headers["content-disposition"]).toBe(`attachment; filename="${id}.bin"`);
    expect(download.body.toString()).toBe(html);

    expect((await getRaw(baseUrl, bin.id, id, "download=maybe")).status).toBe(422);

    const jsonId = await captureOk(baseUrl, bin.id, { body: "{}", headers: { "Content-Type": "application/json" } });
    expect((await getRaw(baseUrl, bin.id, jsonId, "download=1")).headers["content-disposition"]).toBe(`attachment; filename="${jsonId}.json"`);
  });

  it("deletes one capture", async () => {
    const bin = await createBin(baseUrl);
    const [keep, drop] = [await captureOk(baseUrl, bin.id), await captureOk(baseUrl, bin.id)];
    const deleted = await api(baseUrl, `/api/bins/${bin.id}/requests/${drop}`, { method: "DELETE" });
    expect(deleted.status).toBe(204);
    expectProblem(await api(baseUrl, `/api/bins/${bin.id}/requests/${drop}`), 404, "not_found");
    expectProblem(await api(baseUrl, `/api/bins/${bin.id}/requests/${drop}`, { method: "DELETE" }), 404, "not_found");
    expect((await listRequests(baseUrl, bin.id)).requests.map((r) => r.id)).toEqual([keep]);
  });

  it("clears a bin but keeps it capturing", async () => {
    const bin = await createBin(baseUrl);
    const other = await createBin(baseUrl);
    await captureOk(baseUrl, bin.id);
    await captureOk(baseUrl, bin.id);
    const untouched = await captureOk(baseUrl, other.id);

    expect((await api(baseUrl, `/api/bins/${bin.id}/requests`, { method: "DELETE" })).status).toBe(204);
    expect(await listRequests(baseUrl, bin.id)).toEqual({ requests: [], nextCursor: null });
    expect(((await api(baseUrl, `/api/bins/${bin.id}`)).json as BinDto).requestCount).toBe(0);
    expect((await listRequests(baseUrl, other.id)).requests.map((r) => r.id)).toEqual([untouched]);

    const fresh = await captureOk(baseUrl, bin.id);
    expect((await listRequests(baseUrl, bin.id)).requests.map((r) => r.id)).toEqual([fresh]);
  });

  it("deletes a bin with its captures; captures to it then 404", async () => {
    const bin = await createBin(baseUrl);
    await captureOk(baseUrl, bin.id, { body: "a" });
    await captureOk(baseUrl, bin.id, { body: "b" });
    expect(countCapturedRows(server.databaseFile, bin.id)).toBe(2);

    expect((await api(baseUrl, `/api/bins/${bin.id}`, { method: "DELETE" })).status).toBe(204);
    expectProblem(await api(baseUrl, `/api/bins/${bin.id}`), 404, "not_found");
    expectProblem(await api(baseUrl, `/api/bins/${bin.id}/requests`), 404, "not_found");
    expectProblem(await api(baseUrl, `/api/bins/${bin.id}`, { method: "DELETE" }), 404, "not_found");
    expect(countCapturedRows(server.databaseFile, bin.id)).toBe(0);

    const late = await capture(baseUrl, bin.id, { body: "too late" });
    expect(late.status).toBe(404);
    expect(late.json).toMatchObject({ error: "not_found" });
    expect(countCapturedRows(server.databaseFile, bin.id)).toBe(0);
  });

  it("a capture whose bin is deleted while its body is still arriving is refused with 404, not stored", async () => {
    const bin = await createBin(baseUrl);
    await captureOk(baseUrl, bin.id, { body: "known bin" });
    // Headers now (the bin exists), the rest of the body only after the bin is gone.
    const sockets = await Promise.all(Array.from({ length: 3 }, () => connect(baseUrl)));
    const answers = sockets.map((socket) => {
      const chunks: Buffer[] = [];
      socket.on("data", (chunk: Buffer) => chunks.push(chunk));
      socket.on("error", () => undefined);
      return new Promise<string>((resolve) => socket.on("close", () => resolve(Buffer.concat(chunks).toString())));
    });
    for (const socket of sockets) socket.write(`POST /b/${bin.id}/late HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\nfirst`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await api(baseUrl, `/api/bins/${bin.id}`, { method: "DELETE" })).status).toBe(204);
    for (const socket of sockets) socket.write("-half");

    for (const answer of await Promise.all(answers)) {
      expect(answer.slice(0, answer.indexOf("\r\n"))).toBe("HTTP/1.1 404 Not Found");
      expect(JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4))).toMatchObject({ error: "not_found" });
    }
    expect(countCapturedRows(server.databaseFile, bin.id)).toBe(0);
    expect(server.output()).not.toMatch(/unexpected error/);
  });
});

describe("pages", () => {
  it("serves a bin page whose scripts all start with Chromium's compile hint", async () => {
    const bin = await createBin(baseUrl);
    const html = await (await fetch(`${baseUrl}/bins/${bin.id}`)).text();
    const scripts = [...html.matchAll(/<script src="(\/_next\/static\/[^"]+\.js)"/g)].map((match) => match[1]!);
    expect(scripts.length).toBeGreaterThan(3);
    for (const script of scripts) {
      const response = await fetch(`${baseUrl}${script}`);
      expect(response.status, script).toBe(200);
      expect((await response.text()).startsWith(eagerCompileHint), script).toBe(true);
    }
  });
});

describe("with PUBLIC_URL", () => {
  let publicServer: TestServer;

  beforeAll(async () => {
    publicServer = await startTestServer({ env: { PUBLIC_URL: "https://hooks.example.com/inspect/" } });
  });

  afterAll(async () => {
    await publicServer?.dispose();
  });

  it("hands out bin URLs under PUBLIC_URL, whatever the forwarding headers say", async () => {
    const plain = await createBin(publicServer.baseUrl);
    expect(plain.url).toBe(`https://hooks.example.com/inspect/b/${plain.id}`);
    const forwarded = await createBin(publicServer.baseUrl, { "X-Forwarded-Proto": "http", "X-Forwarded-Host": "evil.example" });
    expect(forwarded.url).toBe(`https://hooks.example.com/inspect/b/${forwarded.id}`);
    expect(((await api(publicServer.baseUrl, `/api/bins/${plain.id}`)).json as BinDto).url).toBe(`https://hooks.example.com/inspect/b/${plain.id}`);
  });
});
