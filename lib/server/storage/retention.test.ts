import { ulid } from "ulid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getConfig } from "../../config.ts";
import type { BinEvent } from "../../types.ts";
import { createBin, findBin, updateBin } from "../bins/bins.ts";
import { getBinSettings } from "../bins/settings.ts";
import { captureCounts } from "./capture-counts.ts";
import { createSqliteCaptureStore, type SqliteCaptureStore } from "./sqlite/capture-store.ts";
import { useRowInspector } from "./sqlite/test-inspector.ts";
import { createInProcessBus, type EventBus, getEventBus } from "../live/events.ts";
import { clearRequests, deleteRequest } from "./requests.ts";
import { sweepOnce } from "./retention.ts";
import { captureRow } from "./test-builders.ts";
import { useTestDatabase } from "./test-database.ts";

const day = 86_400_000;
const limit = 3;
const database = useTestDatabase();
const getDb = useRowInspector(database);
let store: SqliteCaptureStore;

beforeAll(() => {
  store = createSqliteCaptureStore(database.file, { maxCapturesPerBin: limit });
});

afterAll(() => {
  store.close();
});

async function storedIds(binId: string): Promise<string[]> {
  const rows = await getDb().capturedRequest.findMany({ where: { binId }, orderBy: { id: "asc" }, select: { id: true } });
  return rows.map((row) => row.id);
}

/** Rows whose ids and receivedAt are `ageMs` in the past, oldest first. */
function rowsAged(binId: string, ageMs: number, count: number, now = Date.now()) {
  return Array.from({ length: count }, (_, i) => {
    const receivedAt = now - ageMs + i;
    return captureRow({ binId, id: ulid(receivedAt), receivedAt });
  });
}

function recordEvents(bus: EventBus, binId: string): BinEvent[] {
  const events: BinEvent[] = [];
  bus.subscribe(binId, (event) => events.push(event));
  return events;
}

// The store's own contract (pruning on insert, expiry, idle bins) is
// capture-store.suite.ts, run for both stores. Here: how the rest of Hookyard around the
// SQLite store keeps to it (settings, the count kept in memory, sweepOnce's caches).
describe("pruning to MAX_CAPTURES_PER_BIN on insert", () => {
  it("prunes at once to a lowered limit, tells live clients, and keeps to it at the next capture", async () => {
    const binId = (await createBin("10.0.0.1")).id;
    const rows = Array.from({ length: 3 }, () => captureRow({ binId }));
    await store.insertAll(rows);
    const events = recordEvents(getEventBus(), binId);

    expect(await updateBin(binId, { maxCaptures: 1 })).toMatchObject({ captureLimit: 1, requestCount: 1 });
    expect(await storedIds(binId)).toEqual([rows[2]!.id]);
    expect(events).toContainEqual({ type: "requests-pruned", binId, throughSeq: 2, removed: 2 });
    expect((await getBinSettings(binId))?.maxCaptures).toBe(1);

    const next = captureRow({ binId, maxCaptures: 1 });
    expect((await store.insertAll([next])).pruned).toEqual([{ binId, throughSeq: 3, removed: 1 }]);
    expect(await storedIds(binId)).toEqual([next.id]);

    // Back to the instance default (MAX_CAPTURES_PER_BIN), which this store does not share.
    expect(await updateBin(binId, { maxCaptures: null })).toMatchObject({ captureLimit: getConfig().maxCapturesPerBin, requestCount: 1 });
    expect((await getBinSettings(binId))?.maxCaptures).toBeNull();
  });

  it("recovers from a remembered count that is too high instead of pruning too much", async () => {
    const binId = (await createBin("10.0.0.1")).id;
    const rows = Array.from({ length: 2 }, () => captureRow({ binId }));
    await store.insertAll(rows);
    captureCounts().set(binId, 50);
    const next = captureRow({ binId });
    expect((await store.insertAll([next])).pruned).toEqual([]);
    expect(await storedIds(binId)).toEqual([...rows, next].map((row) => row.id));
    expect(captureCounts().get(binId)).toBe(3);
  });
});

describe("a bin's capture count", () => {
  async function reportedAndStored(binId: string) {
    return { reported: (await findBin(binId))?.requestCount, stored: await getDb().capturedRequest.count({ where: { binId } }) };
  }

  it("is the writer's own count once it has seen the bin, and stays exact however captures go", async () => {
    const binId = (await createBin("10.0.0.5")).id;
    expect(await reportedAndStored(binId)).toEqual({ reported: 0, stored: 0 });
    const old = rowsAged(binId, 10 * day, 2);
    await store.insertAll(old);
    expect(await reportedAndStored(binId)).toEqual({ reported: 2, stored: 2 });

    // Read from memory, not counted: a row written behind the writer's back is not seen.
    const [behind] = rowsAged(binId, day, 1);
    await getDb().capturedRequest.create({
      data: {
        id: behind!.id,
        binId,
        method: "GET",
        path: "/",
        query: "",
        url: behind!.url,
        headers: "[]",
        body: new Uint8Array(0),
        size: 0,
        ip: "127.0.0.1",
        receivedAt: BigInt(behind!.receivedAt),
      },
    });
    expect(await reportedAndStored(binId)).toEqual({ reported: 2, stored: 3 });

    // A deletion through Prisma makes it count again, and the writer's next group too.
    await deleteRequest(binId, old[0]!.id);
    expect(await reportedAndStored(binId)).toEqual({ reported: 2, stored: 2 });
    await store.insertAll(rowsAged(binId, day, 1));
    expect(await reportedAndStored(binId)).toEqual({ reported: 3, stored: 3 });
    await sweepOnce(store, createInProcessBus(), { captureTtlMs: 7 * day, binIdleTtlMs: 0 });
    expect(await reportedAndStored(binId)).toEqual({ reported: 2, stored: 2 });
    await store.insertAll(rowsAged(binId, 0, 2));
    expect(await reportedAndStored(binId)).toEqual({ reported: limit, stored: limit });
    await clearRequests(binId);
    expect(await reportedAndStored(binId)).toEqual({ reported: 0, stored: 0 });
  });
});

describe("sweepOnce", () => {
  it("forgets an idle bin it deletes in this process's caches, so a capture to it is refused from then on", async () => {
    const bus = createInProcessBus();
    const idle = (await createBin("127.0.0.1")).id;
    expect(await getBinSettings(idle)).not.toBeNull();
    const events = recordEvents(bus, idle);

    await sweepOnce(store, bus, { captureTtlMs: 0, binIdleTtlMs: 30 * day }, Date.now() + 31 * day);

    expect(events).toEqual([{ type: "bin-deleted", binId: idle }]);
    expect(await getDb().bin.findUnique({ where: { id: idle } })).toBeNull();
    expect(await getBinSettings(idle)).toBeNull();
  });
});
