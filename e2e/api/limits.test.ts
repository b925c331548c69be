import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BinDto } from "../../lib/types.ts";
import { api, capture, captureOk, countCapturedRows, createBin, eventually, listAllRequests, patchBin } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { openStream } from "../support/sse.ts";

describe("MAX_CAPTURES_PER_BIN, the rate limit and the bin creation limit", () => {
  const keep = 5;
  const burst = 20;
  const binsPerHour = 10;
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: {
        MAX_CAPTURES_PER_BIN: String(keep),
        RATE_LIMIT_PER_SECOND: "1",
        RATE_LIMIT_BURST: String(burst),
        BINS_PER_IP_PER_HOUR: String(binsPerHour),
        // So the creation limit can be tried from an address of its own.
        TRUST_PROXY: "true",
      },
    });
  });
  afterAll(() => server.dispose());

  it("keeps the newest N captures, tells open dashboards which went, and shows count and limit", async () => {
    const bin = await createBin(server.baseUrl);
    const stream = await openStream(server.baseUrl, bin.id);
    const ids: string[] = [];
    for (let i = 0; i < keep + 3; i++) ids.push(await captureOk(server.baseUrl, bin.id, { body: `capture ${i}` }));

    expect((await listAllRequests(server.baseUrl, bin.id)).map((request) => request.id)).toEqual(ids.slice(-keep).reverse());
    expect(countCapturedRows(server.databaseFile, bin.id)).toBe(keep);
    const pruned = await stream.waitForEvents("requests-pruned", 3);
    // Each names the place (seq) of the newest capture it took: the bin's first three, one by one.
    expect(pruned.map((event) => JSON.parse(event.data))).toEqual([1, 2, 3].map((through) => ({ through, removed: 1 })));
    expect((await listAllRequests(server.baseUrl, bin.id)).map((request) => request.seq)).toEqual([8, 7, 6, 5, 4]);
    stream.close();

    const dto = (await api(server.baseUrl, `/api/bins/${bin.id}`)).json as BinDto;
    expect(dto).toMatchObject({ requestCount: keep, captureLimit: keep });
  });

  it("keeps a bin's own number of captures (PATCH maxCaptures), null restoring MAX_CAPTURES_PER_BIN, and refuses invalid ones with 422", async () => {
    const bin = await createBin(server.baseUrl);
    const other = await createBin(server.baseUrl);
    const setLimit = (binId: string, maxCaptures: unknown) => patchBin(server.baseUrl, binId, { maxCaptures });

    const patched = await setLimit(bin.id, 3);
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ captureLimit: 3 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await captureOk(server.baseUrl, bin.id, { body: `own limit ${i}` }));
    for (let i = 0; i < 5; i++) await captureOk(server.baseUrl, other.id, { body: `instance limit ${i}` });
    expect((await listAllRequests(server.baseUrl, bin.id)).map((request) => request.id)).toEqual(ids.slice(-3).reverse());
    expect(countCapturedRows(server.databaseFile, bin.id)).toBe(3);
    expect(countCapturedRows(server.databaseFile, other.id)).toBe(keep);
    expect((await api(server.baseUrl, `/api/bins/${bin.id}`)).json).toMatchObject({ requestCount: 3, captureLimit: 3 });

    // Lowering it prunes at once and tells open dashboards.
    const stream = await openStream(server.baseUrl, bin.id);
    expect((await setLimit(bin.id, 1)).json).toMatchObject({ requestCount: 1, captureLimit: 1 });
    const [pruned] = await stream.waitForEvents("requests-pruned", 1);
    // Places 3 and 4 went; 5, the newest, stays.
    expect(JSON.parse(pruned!.data)).toEqual({ through: 4, removed: 2 });
    stream.close();
    expect((await listAllRequests(server.baseUrl, bin.id)).map((request) => [request.id, request.seq])).toEqual([[ids[4], 5]]);

    expect((await setLimit(bin.id, null)).json).toMatchObject({ captureLimit: keep });
    for (let i = 0; i < keep + 1; i++) await captureOk(server.baseUrl, bin.id, { body: `default again ${i}` });
    expect(countCapturedRows(server.databaseFile, bin.id)).toBe(keep);

    for (const invalid of [0, -1, 2.5, 100_001, "10", true]) {
      const refused = await setLimit(bin.id, invalid);
      expect(refused.status).toBe(422);
      expect(refused.json).toMatchObject({ error: "validation_failed" });
    }
    expect((await api(server.baseUrl, `/api/bins/${bin.id}`)).json).toMatchObject({ captureLimit: keep });
  });

  it("answers captures beyond the bin's rate with 429 and Retry-After, stores none of them, and leaves other bins alone", async () => {
    const bin = await createBin(server.baseUrl);
    const other = await createBin(server.baseUrl);
    const extra = 10;
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: burst + extra }, (_, i) => capture(server.baseUrl, bin.id, { body: `rate ${i}` })));
    // The bucket refills one token a second while the burst is in flight, no more.
    const refillAllowance = Math.ceil((Date.now() - started) / 1_000);
    const refused = results.filter((result) => result.status === 429);
    expect(results.every((result) => result.status === 200 || result.status === 429)).toBe(true);
    expect(refused.length).toBeGreaterThanOrEqual(Math.max(1, extra - refillAllowance));
    for (const result of refused) {
      expect(Number(result.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      expect(result.json).toMatchObject({ error: "too_many_requests" });
      expect(result.id).toBeUndefined();
    }
    const acknowledged = results.flatMap((result) => (result.status === 200 ? [result.id!] : [])).sort();
    // MAX_CAPTURES_PER_BIN keeps the newest 5 of the acknowledged ones; no refused one is among them.
    expect((await listAllRequests(server.baseUrl, bin.id)).map((request) => request.id)).toEqual(acknowledged.slice(-keep).reverse());
    await captureOk(server.baseUrl, other.id, { body: "another bin has its own budget" });
  });

  it("refuses a client IP more than BINS_PER_IP_PER_HOUR new bins with 429 and Retry-After", async () => {
    const from = (ip: string) => ({ "X-Forwarded-For": ip });
    for (let i = 0; i < binsPerHour; i++) await createBin(server.baseUrl, from("203.0.113.9"));
    const refused = await api(server.baseUrl, "/api/bins", { method: "POST", headers: from("203.0.113.9") });
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ error: "too_many_requests" });
    // One more bin every 3600 / 10 s.
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(300);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(360);
    await createBin(server.baseUrl, from("198.51.100.7"));
  });
});

describe("CAPTURE_TTL and BIN_IDLE_TTL, enforced by the background sweep", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { CAPTURE_TTL: "2s", BIN_IDLE_TTL: "4s", SWEEP_INTERVAL_MS: "200" } });
  });
  afterAll(() => server.dispose());

  it("removes captures older than CAPTURE_TTL and tells open dashboards", async () => {
    const bin = await createBin(server.baseUrl);
    const stream = await openStream(server.baseUrl, bin.id);
    const id = await captureOk(server.baseUrl, bin.id, { body: "short-lived" });
    const [captured] = await stream.waitForEvents("request", 1);
    expect(JSON.parse(captured!.data)).toMatchObject({ id, seq: 1 });
    const [pruned] = await stream.waitForEvents("requests-pruned", 1, 10_000);
    expect(JSON.parse(pruned!.data)).toEqual({ through: 1, removed: 1 });
    expect(await listAllRequests(server.baseUrl, bin.id)).toEqual([]);
    expect(countCapturedRows(server.databaseFile, bin.id)).toBe(0);
    stream.close();
  });

  it("deletes a bin with no capture and no visit for BIN_IDLE_TTL, and keeps one that keeps receiving", async () => {
    const idle = await createBin(server.baseUrl);
    const busy = await createBin(server.baseUrl);
    const stream = await openStream(server.baseUrl, idle.id);
    // The busy bin's captures expire after 2 s, but each one was a use of the bin.
    await eventually(
      async () => {
        await captureOk(server.baseUrl, busy.id, { body: "still here" });
        expect((await api(server.baseUrl, `/api/bins/${idle.id}`)).status).toBe(404);
      },
      20_000,
      300,
    );
    await stream.waitFor((message) => message.kind === "event" && message.event === "bin-deleted", 5_000);
    await stream.ended;
    expect((await capture(server.baseUrl, idle.id, { body: "too late" })).status).toBe(404);
    expect((await api(server.baseUrl, `/api/bins/${busy.id}`)).status).toBe(200);
    await captureOk(server.baseUrl, busy.id, { body: "and still capturing" });
  });
});
