import { afterAll, beforeAll, expect, it } from "vitest";
import pg from "pg";
import { createDatabase, restartCluster, startCluster, stopCluster, withAdmin, type PostgresCluster } from "../../scripts/postgres-cluster.mjs";
import type { RequestSummary } from "../../lib/types.ts";
import { capture, captureOk, createBin, eventually, listAllRequests, patchBin } from "../support/factories.ts";
import { createTestDatabase, describeWithPostgres, testPostgres } from "../support/postgres.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { openStream, type SseClient, type SseEvent } from "../support/sse.ts";
import { startTargetServer, type TargetServer } from "../support/target.ts";

// Several Hookyard processes on one PostgreSQL database, as a team runs them behind a load
// balancer: what one instance stores and changes, every other one serves and streams.

/** Two instances of the built server on the database at `databaseUrl`. */
async function twoInstances(databaseUrl: string, env: Record<string, string> = {}): Promise<[TestServer, TestServer]> {
  const options = { env: { DATABASE_URL: databaseUrl, SSE_HEARTBEAT_MS: "1000", ...env } };
  // One after the other: the second also finds the migrations applied, as a rolling start does.
  const first = await startTestServer(options);
  const second = await startTestServer(options);
  return [first, second];
}

/** The `request` events' summaries, in the order the stream sent them. */
function streamed(stream: SseClient): RequestSummary[] {
  return stream
    .events()
    .filter((event: SseEvent) => event.event === "request")
    .map((event) => JSON.parse(event.data) as RequestSummary);
}

/** Every summary exactly once, in place order, and each event's id its place. */
function expectInOrderOnce(stream: SseClient): RequestSummary[] {
  const summaries = streamed(stream);
  const places = summaries.map((summary) => summary.seq);
  expect(places).toEqual([...places].sort((a, b) => a - b));
  expect(new Set(places).size).toBe(places.length);
  const ids = stream
    .events()
    .filter((event) => event.event === "request")
    .map((event) => event.id);
  expect(ids).toEqual(places.map(String));
  return summaries;
}

describeWithPostgres("two instances on one database", () => {
  let a: TestServer;
  let b: TestServer;
  let target: TargetServer;
  let databaseUrl: string;

  beforeAll(async () => {
    target = await startTargetServer();
    databaseUrl = await createTestDatabase("instances");
    [a, b] = await twoInstances(databaseUrl);
  });

  afterAll(async () => {
    await Promise.all([a?.dispose(), b?.dispose()]);
    await target?.close();
  });

  it("shows a capture made on one instance live on the other's stream, and either serves the bin", async () => {
    const bin = await createBin(a.baseUrl);
    const onB = await openStream(b.baseUrl, bin.id);
    try {
      const id = await captureOk(a.baseUrl, bin.id, { path: "/from-a", body: "hello" });
      await onB.waitFor((message) => message.kind === "event" && message.event === "request", 5_000);
      expect(streamed(onB).map((summary) => [summary.id, summary.path, summary.seq])).toEqual([[id, "/from-a", 1]]);
      // The other way round too, and the list is the same from both.
      const fromB = await captureOk(b.baseUrl, bin.id, { path: "/from-b" });
      await onB.waitForEvents("request", 2, 5_000);
      expect((await listAllRequests(a.baseUrl, bin.id)).map((request) => request.id)).toEqual([fromB, id]);
      expect((await listAllRequests(b.baseUrl, bin.id)).map((request) => request.id)).toEqual([fromB, id]);
    } finally {
      onB.close();
    }
  });

  it("numbers captures of one bin sent to both instances at once 1…n with no gap, and streams them once each in order", async () => {
    const bin = await createBin(a.baseUrl);
    const onA = await openStream(a.baseUrl, bin.id);
    const onB = await openStream(b.baseUrl, bin.id);
    try {
      const sent = await Promise.all(Array.from({ length: 120 }, (_, i) => captureOk(i % 2 === 0 ? a.baseUrl : b.baseUrl, bin.id, { body: `n${i}` })));
      await onA.waitForEvents("request", sent.length, 10_000);
      await onB.waitForEvents("request", sent.length, 10_000);
      for (const stream of [onA, onB]) {
        const summaries = expectInOrderOnce(stream);
        expect(summaries.map((summary) => summary.seq)).toEqual(sent.map((_id, index) => index + 1));
        expect(new Set(summaries.map((summary) => summary.id))).toEqual(new Set(sent));
      }
    } finally {
      onA.close();
      onB.close();
    }
  });

  it("tells the other instance's streams of deletes and clears, and its capture path of new settings", async () => {
    const bin = await createBin(a.baseUrl);
    const onB = await openStream(b.baseUrl, bin.id);
    try {
      const [first] = [await captureOk(b.baseUrl, bin.id), await captureOk(b.baseUrl, bin.id)];
      const deleted = await fetch(`${a.baseUrl}/api/bins/${bin.id}/requests/${first}`, { method: "DELETE", headers: { authorization: `Bearer ${bin.token}` } });
      expect(deleted.status).toBe(204);
      await onB.waitFor((message) => message.kind === "event" && message.event === "request-deleted", 5_000);

      // B answers captures by its cached settings: a change made on A reaches it.
      expect((await capture(b.baseUrl, bin.id)).status).toBe(200);
      expect((await patchBin(a.baseUrl, bin.id, { response: { status: 418, body: "teapot" } })).status).toBe(200);
      await onB.waitFor((message) => message.kind === "event" && message.event === "bin-updated", 5_000);
      await eventually(async () => expect((await capture(b.baseUrl, bin.id)).status).toBe(418));

      // So does the CORS switch: B stops answering preflights itself.
      const preflight = () =>
        capture(b.baseUrl, bin.id, { method: "OPTIONS", headers: { Origin: "http://localhost:4000", "Access-Control-Request-Method": "PUT" } });
      expect((await preflight()).status).toBe(204);
      expect((await patchBin(a.baseUrl, bin.id, { cors: false })).status).toBe(200);
      await eventually(async () => expect((await preflight()).status).toBe(418));
    } finally {
      onB.close();
    }
  });

  it("forgets every bin's cached settings after its listener was away, so a change it never heard reaches its capture path", async () => {
    const cluster = testPostgres();
    if (!cluster.available) throw new Error(cluster.reason);
    const database = new URL(databaseUrl).pathname.slice(1);
    const bin = await createBin(a.baseUrl);
    // B caches the bin's settings; it has no stream on the bin, so no resync of its own.
    expect((await capture(b.baseUrl, bin.id)).status).toBe(200);
    const watched = await createBin(a.baseUrl);
    const onB = await openStream(b.baseUrl, watched.id);
    try {
      // Both listeners are cut off and cannot come back (connections already open stay),
      // and the bin's answer changes meanwhile, as by an instance whose notice was lost.
      const changer = new pg.Client({ host: cluster.cluster.socketDir, port: cluster.cluster.port, user: "postgres", database });
      await changer.connect();
      try {
        await withAdmin(cluster.cluster, async (admin) => {
          await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS false`);
          await admin.query(`SELECT pg_terminate_backend("pid") FROM pg_stat_activity WHERE "datname" = $1 AND "application_name" LIKE 'hookyard-live %'`, [
            database,
          ]);
        });
        await changer.query(
          `INSERT INTO "BinResponse" ("binId", "response") VALUES ($1, $2) ON CONFLICT ("binId") DO UPDATE SET "response" = EXCLUDED."response"`,
          [bin.id, JSON.stringify({ status: 418, headers: [], body: "teapot", delayMs: 0 })],
        );
      } finally {
        await withAdmin(cluster.cluster, (admin) => admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`));
        await changer.end();
      }
      await onB.waitFor((message) => message.kind === "event" && message.event === "resync", 15_000);
      await eventually(async () => expect((await capture(b.baseUrl, bin.id)).status).toBe(418));
    } finally {
      onB.close();
    }
  });

  it("sends each auto-forwarded capture once, whichever instance captured it", async () => {
    const bin = await createBin(a.baseUrl);
    const before = target.received.length;
    const forward = { url: `${target.baseUrl}/hooks`, enabled: true, maxAttempts: 3 };
    expect((await patchBin(a.baseUrl, bin.id, { forward })).status).toBe(200);
    const sent = await Promise.all(Array.from({ length: 20 }, (_, i) => captureOk(i % 2 === 0 ? a.baseUrl : b.baseUrl, bin.id, { body: `job-${i}` })));
    await eventually(() => expect(target.received.length - before).toBeGreaterThanOrEqual(sent.length), 15_000);
    // Both workers look at the same table; a second send of one job would show up here.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const bodies = target.received.slice(before).map((received) => received.body.toString());
    expect(bodies.sort()).toEqual(sent.map((_id, i) => `job-${i}`).sort());
  });

  it("loses no acknowledged capture when an instance is killed (SIGKILL) under load, and the survivor streams them all", async () => {
    const bin = await createBin(a.baseUrl);
    const onB = await openStream(b.baseUrl, bin.id);
    const acknowledged: string[] = [];
    let stop = false;
    const sender = async (n: number) => {
      for (let i = 0; !stop; i++) {
        const response = await capture(a.baseUrl, bin.id, { body: `load-${n}-${i}` }).catch(() => null);
        if (!response) return; // the connection died with the instance
        if (response.status === 200 && response.id) acknowledged.push(response.id);
      }
    };
    try {
      const senders = Array.from({ length: 8 }, (_, n) => sender(n));
      await eventually(() => expect(acknowledged.length).toBeGreaterThanOrEqual(200), 20_000);
      await a.kill();
      stop = true;
      await Promise.all(senders);

      const stored = new Set((await listAllRequests(b.baseUrl, bin.id)).map((request) => request.id));
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
      await eventually(() => expect(streamed(onB).length).toBe(stored.size), 10_000);
      expect(new Set(expectInOrderOnce(onB).map((summary) => summary.id))).toEqual(stored);
    } finally {
      onB.close();
      await a.restart();
    }
  });
});

describeWithPostgres("a database restart", () => {
  let cluster: PostgresCluster;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    // A cluster of this file's own: restarting the run's would break the other files' tests.
    cluster = await startCluster();
    [a, b] = await twoInstances(await createDatabase(cluster, "restart"));
  });

  afterAll(async () => {
    await Promise.all([a?.dispose(), b?.dispose()]);
    if (cluster) stopCluster(cluster);
  });

  it("answers captures only 200 or 503 while the database restarts, then every acknowledged capture reaches the open stream once, in order", async () => {
    const bin = await createBin(a.baseUrl);
    const onB = await openStream(b.baseUrl, bin.id);
    const acknowledged: string[] = [];
    const statuses = new Set<number>();
    let stop = false;
    const sender = async (n: number) => {
      for (let i = 0; !stop; i++) {
        const response = await capture(i % 2 === 0 ? a.baseUrl : b.baseUrl, bin.id, { body: `r-${n}-${i}` });
        statuses.add(response.status);
        if (response.status === 200 && response.id) acknowledged.push(response.id);
        else await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    try {
      const senders = Array.from({ length: 4 }, (_, n) => sender(n));
      await eventually(() => expect(acknowledged.length).toBeGreaterThanOrEqual(50), 20_000);
      await restartCluster(cluster);
      const afterRestart = acknowledged.length;
      await eventually(() => expect(acknowledged.length).toBeGreaterThanOrEqual(afterRestart + 50), 30_000);
      stop = true;
      await Promise.all(senders);

      // Whatever was refused was refused as "retry later", never as a failure of the request.
      expect([...statuses].filter((status) => status !== 200 && status !== 503)).toEqual([]);
      await eventually(() => expect(streamed(onB).length).toBeGreaterThanOrEqual(acknowledged.length), 20_000);
      const summaries = expectInOrderOnce(onB);
      expect(new Set(summaries.map((summary) => summary.id))).toEqual(new Set(acknowledged));
      // The restart cut B's LISTEN connection: it reconnected and told its stream to read again.
      // The resync follows the catch-up that brought the missed captures, so it may still be on its way.
      await eventually(() => expect(onB.events().some((event) => event.event === "resync")).toBe(true), 10_000);
    } finally {
      onB.close();
    }
  });
});
