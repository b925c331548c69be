import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, capture, captureOk, countCapturedRows, createBin, eventually, listAllRequests } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { openStream } from "../support/sse.ts";

describe("MAX_BIN_BYTES", () => {
  const maxBinBytes = 300 * 1024;
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { MAX_BIN_BYTES: String(maxBinBytes) } });
  });
  afterAll(() => server.dispose());

  it("prunes a bin's oldest captures so its bodies stay within the bytes, telling open dashboards", async () => {
    const bin = await createBin(server.baseUrl);
    const other = await createBin(server.baseUrl);
    await captureOk(server.baseUrl, other.id, { body: "x".repeat(200 * 1024) });
    const stream = await openStream(server.baseUrl, bin.id);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await captureOk(server.baseUrl, bin.id, { body: String(i).repeat(100 * 1024) }));

    // 500 KiB sent, 300 KiB kept: the newest three.
    expect((await listAllRequests(server.baseUrl, bin.id)).map((summary) => summary.id)).toEqual(ids.slice(2).reverse());
    expect(countCapturedRows(server.databaseFile, bin.id)).toBe(3);
    const pruned = await stream.waitForEvents("requests-pruned", 2);
    // Each names the place (seq) of the newest capture it took: the bin's first two, one by one.
    expect(pruned.map((event) => JSON.parse(event.data))).toEqual([1, 2].map((through) => ({ through, removed: 1 })));
    expect((await listAllRequests(server.baseUrl, bin.id)).map((summary) => summary.seq)).toEqual([5, 4, 3]);
    stream.close();
    // Another bin's bytes are its own.
    expect(countCapturedRows(server.databaseFile, other.id)).toBe(1);
  });

  it("refuses a body larger than a bin may hold with 413 naming MAX_BIN_BYTES, storing nothing", async () => {
    const bin = await createBin(server.baseUrl);
    await captureOk(server.baseUrl, bin.id, { body: "kept" });
    const refused = await capture(server.baseUrl, bin.id, { body: Buffer.alloc(maxBinBytes + 1, 0x61) });
    expect(refused.status).toBe(413);
    expect(refused.json).toEqual({ error: "payload_too_large", message: `Request body exceeds the ${maxBinBytes}-byte limit (MAX_BIN_BYTES).` });
    expect(countCapturedRows(server.databaseFile, bin.id)).toBe(1);
    expect((await capture(server.baseUrl, bin.id, { body: Buffer.alloc(maxBinBytes, 0x61) })).status).toBe(200);
    expect(countCapturedRows(server.databaseFile, bin.id)).toBe(1);
  });
});

describe("a full database (MAX_DATABASE_BYTES)", () => {
  let server: TestServer;
  beforeAll(async () => {
    // Room for the schema and a few hundred KiB of captures; SQLite itself then answers SQLITE_FULL.
    server = await startTestServer({ env: { MAX_DATABASE_BYTES: String(1024 * 1024), MAX_BIN_BYTES: "0" } });
  });
  afterAll(() => server.dispose());

  it("answers captures 507 and stores nothing while full, /api/health 503 with the reason, and recovers once space is freed", async () => {
    expect((await api(server.baseUrl, "/api/health")).json).toEqual({ ok: true });
    const bin = await createBin(server.baseUrl);
    let refused: Awaited<ReturnType<typeof capture>> | undefined;
    let stored = 0;
    // 1 MiB in 64 KiB bodies: full within 16 tries (20 to be safe).
    for (let i = 0; i < 20 && !refused; i++) {
      const before = countCapturedRows(server.databaseFile, bin.id);
      const answer = await capture(server.baseUrl, bin.id, { body: Buffer.alloc(64 * 1024, i) });
      if (answer.status === 200) {
        stored += 1;
        continue;
      }
      refused = answer;
      expect(countCapturedRows(server.databaseFile, bin.id), "a refused capture is not stored").toBe(before);
    }
    expect(refused?.status).toBe(507);
    expect(refused?.json).toEqual({ error: "insufficient_storage", message: expect.stringContaining("The database is full") });
    expect(refused?.headers["retry-after"]).toBe("30");
    expect(refused?.headers["x-request-id"]).toBeUndefined();

    const health = await api(server.baseUrl, "/api/health");
    expect(health.status).toBe(503);
    expect(health.json).toEqual({ ok: false, storage: "full", since: expect.any(String), message: expect.stringContaining("captures are answered 507") });
    // Reads keep working.
    expect((await api(server.baseUrl, `/api/bins/${bin.id}/requests`)).status).toBe(200);

    // Freeing space (here: clearing the bin) is noticed by health's trial write, with no capture needed.
    expect((await api(server.baseUrl, `/api/bins/${bin.id}/requests`, { method: "DELETE" })).status).toBe(204);
    await eventually(async () => expect((await api(server.baseUrl, "/api/health")).json).toEqual({ ok: true }), 5_000, 200);
    const again = await capture(server.baseUrl, bin.id, { body: "fits again" });
    expect(again.status).toBe(200);
    // The refused capture took no place (its transaction rolled back), and the clear freed none.
    expect((await api(server.baseUrl, `/api/bins/${bin.id}/requests`)).json).toMatchObject({ requests: [{ id: again.id, seq: stored + 1 }] });
    expect(server.output()).toContain("[storage] writes are failing (full)");
  });
});
