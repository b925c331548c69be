import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BinDto } from "../../lib/types.ts";
import { api, binaryBody, captureOk, createBin, getRaw, getRequest, listAllRequests } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { eventIds, openStream, requestIds } from "../support/sse.ts";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ env: { SSE_HEARTBEAT_MS: "60000" } });
});

afterAll(async () => {
  await server?.dispose();
});

function migrationRows(databaseFile: string): { migration_name: string }[] {
  const db = new Database(databaseFile, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(`SELECT migration_name FROM "_prisma_migrations" ORDER BY migration_name`).all() as { migration_name: string }[];
  } finally {
    db.close();
  }
}

describe("restarts", () => {
  it("keeps bins and captures byte-exact across a graceful restart, and keeps capturing", async () => {
    const { baseUrl } = server;
    const bin = await createBin(baseUrl);
    const body = binaryBody();
    const binaryId = await captureOk(baseUrl, bin.id, {
      method: "PROPFIND",
      path: "/dav/x%20y",
      query: "depth=1",
      body,
      headers: { "Content-Type": "application/octet-stream", "X-Trace": "t1" },
    });
    const textId = await captureOk(baseUrl, bin.id, { body: "second" });
    const before = await getRequest(baseUrl, bin.id, binaryId);
    const listedBefore = await listAllRequests(baseUrl, bin.id);
    const migrationsBefore = migrationRows(server.databaseFile);
    expect(migrationsBefore.length).toBeGreaterThan(0);

    // A stream open at shutdown must not hold the server up.
    const stream = await openStream(baseUrl, bin.id);
    const stopStarted = Date.now();
    expect(await server.stop()).toBe(0);
    expect(Date.now() - stopStarted).toBeLessThan(5_000);
    await stream.ended;
    expect((await fetch(`${baseUrl}/api/health`).catch(() => null))?.status).toBeUndefined();

    await server.restart();
    // Starting again applies nothing twice.
    expect(migrationRows(server.databaseFile)).toEqual(migrationsBefore);
    expect(await getRequest(baseUrl, bin.id, binaryId)).toEqual(before);
    expect((await getRaw(baseUrl, bin.id, binaryId)).body.equals(body)).toBe(true);
    expect(await listAllRequests(baseUrl, bin.id)).toEqual(listedBefore);
    expect(((await api(baseUrl, `/api/bins/${bin.id}`)).json as BinDto).requestCount).toBe(2);

    const afterRestart = await captureOk(baseUrl, bin.id, { body: "after restart" });
    expect(afterRestart > textId).toBe(true);
    // Numbering goes on from the bin's last place, which was stored, not counted in memory.
    expect((await listAllRequests(baseUrl, bin.id)).map((r) => [r.id, r.seq])).toEqual([
      [afterRestart, 3],
      [textId, 2],
      [binaryId, 1],
    ]);
  });

  it("resumes a live stream across a restart with Last-Event-ID", async () => {
    const { baseUrl } = server;
    const bin = await createBin(baseUrl);
    const before = await openStream(baseUrl, bin.id);
    await captureOk(baseUrl, bin.id, { body: "seen" });
    await before.waitForEvents("request", 1);
    const seen = eventIds(before.events()).at(-1)!;
    before.close();
    await server.restart();
    const missed = await captureOk(baseUrl, bin.id, { body: "missed" });
    const stream = await openStream(baseUrl, bin.id, { lastEventId: seen });
    try {
      const live = await captureOk(baseUrl, bin.id, { body: "live" });
      await stream.waitForEvents("request", 2);
      expect(requestIds(stream.events())).toEqual([missed, live]);
      expect(eventIds(stream.events())).toEqual(["2", "3"]);
    } finally {
      stream.close();
    }
  });

  it("keeps every acknowledged capture through a crash (SIGKILL)", async () => {
    const { baseUrl } = server;
    const bin = await createBin(baseUrl);
    const acknowledged = await Promise.all(Array.from({ length: 30 }, (_, i) => captureOk(baseUrl, bin.id, { body: `crash-${i}` })));
    await server.kill();
    await server.restart();
    const stored = await listAllRequests(baseUrl, bin.id);
    expect(stored.map((r) => r.id)).toEqual([...acknowledged].sort().reverse());
    expect(stored.map((r) => r.seq)).toEqual(Array.from({ length: 30 }, (_, i) => 30 - i));
    // The bin's last place survived the crash with its captures: no place is given twice.
    const alive = await captureOk(baseUrl, bin.id, { body: "alive again" });
    expect((await listAllRequests(baseUrl, bin.id))[0]).toMatchObject({ id: alive, seq: 31 });
  });
});
