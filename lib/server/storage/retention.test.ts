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

describe("pruning to MAX_CAPTURES_PER_BIN on insert", () => {
  it("keeps the newest N of a bin and answers what it cut, leaving other bins alone", async () => {
    const [a, b] = [(await createBin("10.0.0.1")).id, (await createBin("10.0.0.1")).id];
    const first = Array.from({ length: 5 }, () => captureRow({ binId: a }));
    const other = captureRow({ binId: b });
    expect((await store.insertAll([...first, other])).pruned).toEqual([{ binId: a, throughSeq: 2, removed: 2 }]);
    expect(await storedIds(a)).toEqual(first.slice(2).map((row) => row.id));
    expect(await storedIds(b)).toEqual([other.id]);

    const next = captureRow({ binId: a });
    expect((await store.insertAll([next])).pruned).toEqual([{ binId: a, throughSeq: 3, removed: 1 }]);
    expect(await storedIds(a)).toEqual([first[3]!.id, first[4]!.id, next.id]);
    expect((await store.insertAll([captureRow({ binId: b })])).pruned).toEqual([]);
  });

  it("counts again after a deletion made elsewhere, so a freed place is not pruned", async () => {
    const binId = (await createBin("10.0.0.1")).id;
    const rows = Array.from({ length: 3 }, () => captureRow({ binId }));
    await store.insertAll(rows);
    await deleteRequest(binId, rows[0]!.id);
    const next = captureRow({ binId });
    expect((await store.insertAll([next])).pruned).toEqual([]);
    expect(await storedIds(binId)).toEqual([rows[1]!.id, rows[2]!.id, next.id]);
  });

  it("prunes each bin to its own limit when it has one, the others to the instance's", async () => {
    const [small, large, plain] = [(await createBin("10.0.0.1")).id, (await createBin("10.0.0.1")).id, (await createBin("10.0.0.1")).id];
    const smallRows = Array.from({ length: 4 }, () => captureRow({ binId: small, maxCaptures: 1 }));
    const largeRows = Array.from({ length: 5 }, () => captureRow({ binId: large, maxCaptures: limit + 2 }));
    const plainRows = Array.from({ length: 4 }, () => captureRow({ binId: plain }));
    expect((await store.insertAll([...smallRows, ...largeRows, ...plainRows])).pruned).toEqual([
      { binId: small, throughSeq: 3, removed: 3 },
      { binId: plain, throughSeq: 1, removed: 1 },
    ]);
    expect(await storedIds(small)).toEqual([smallRows[3]!.id]);
    expect(await storedIds(large)).toEqual(largeRows.map((row) => row.id));
    expect(await storedIds(plain)).toEqual(plainRows.slice(1).map((row) => row.id));
  });

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
  it("removes captures older than CAPTURE_TTL in small batches, tells live clients, and counts them as a use of the bin", async () => {
    const bus = createInProcessBus();
    const [a, b] = [(await createBin("10.0.0.2")).id, (await createBin("10.0.0.2")).id];
    const now = Date.now();
    const oldA = rowsAged(a, 10 * day, 2, now);
    const oldB = rowsAged(b, 9 * day, 1, now);
    const fresh = rowsAged(a, 1 * day, 1, now);
    // One bin at a time: the limit of 3 would prune the group otherwise.
    for (const rows of [oldA, oldB, fresh]) await store.insertAll(rows);
    const [eventsA, eventsB] = [recordEvents(bus, a), recordEvents(bus, b)];

    const result = await sweepOnce(store, bus, { captureTtlMs: 7 * day, binIdleTtlMs: 0, batchSize: 1 }, now);

    expect(result.capturesRemoved).toBeGreaterThanOrEqual(3);
    expect(await storedIds(a)).toEqual([fresh[0]!.id]);
    expect(await storedIds(b)).toEqual([]);
    // batchSize 1: one event per removed capture, each naming the newest one gone so far.
    expect(eventsA).toEqual(oldA.map((_row, index) => ({ type: "requests-pruned", binId: a, throughSeq: index + 1, removed: 1 })));
    expect(eventsB).toEqual([{ type: "requests-pruned", binId: b, throughSeq: 1, removed: 1 }]);
    const bin = await getDb().bin.findUniqueOrThrow({ where: { id: b } });
    expect(bin.lastUsedAt).toBeGreaterThanOrEqual(BigInt(oldB[0]!.receivedAt));
  });

  it("deletes bins with no capture and no visit for BIN_IDLE_TTL, and only those", async () => {
    const bus = createInProcessBus();
    const now = Date.now();
    const idle = (await createBin("10.0.0.3")).id;
    const visited = (await createBin("10.0.0.3")).id;
    const captured = (await createBin("10.0.0.3")).id;
    const legacy = (await createBin("10.0.0.3")).id;
    const later = now + 31 * day;
    await getDb().bin.update({ where: { id: visited }, data: { lastUsedAt: BigInt(later - day) } });
    await getDb().bin.update({ where: { id: legacy }, data: { lastUsedAt: null } });
    const recent = rowsAged(captured, 2 * day, 1, later);
    await store.insertAll(recent);
    const events = recordEvents(bus, idle);
    expect(await getBinSettings(idle)).not.toBeNull();

    const result = await sweepOnce(store, bus, { captureTtlMs: 0, binIdleTtlMs: 30 * day, batchSize: 2 }, later);

    expect(result.binsRemoved).toBeGreaterThanOrEqual(1);
    const remaining = await getDb().bin.findMany({ where: { id: { in: [idle, visited, captured, legacy] } }, select: { id: true, lastUsedAt: true } });
    expect(remaining.map((bin) => bin.id).sort()).toEqual([visited, captured, legacy].sort());
    expect(events).toEqual([{ type: "bin-deleted", binId: idle }]);
    // Forgotten in memory too: a capture to it is refused from now on.
    expect(await getBinSettings(idle)).toBeNull();
    // The bin kept alive by its capture remembers that use; the one from before lastUsedAt existed starts its idle time now.
    expect(remaining.find((bin) => bin.id === captured)!.lastUsedAt).toBe(BigInt(recent[0]!.receivedAt));
    expect(remaining.find((bin) => bin.id === legacy)!.lastUsedAt).toBe(BigInt(later));
  });

  it("never deletes a bin declared in configuration, however idle", async () => {
    const bus = createInProcessBus();
    const declared = (await createBin("10.0.0.4")).id;
    const idle = (await createBin("10.0.0.4")).id;
    const later = Date.now() + 31 * day;

    await sweepOnce(store, bus, { captureTtlMs: 0, binIdleTtlMs: 30 * day, keepBinIds: new Set([declared]) }, later);

    const remaining = await getDb().bin.findMany({ where: { id: { in: [declared, idle] } }, select: { id: true, lastUsedAt: true } });
    expect(remaining).toEqual([{ id: declared, lastUsedAt: BigInt(later) }]);
  });
});
