import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RequestDetail } from "../../../types.ts";
import { createBin } from "../../bins/bins.ts";
import { captureBytes, forgetCaptureCount } from "../capture-counts.ts";
import { StorageFullError, registerStorageProbe, storageStatus } from "../storage-health.ts";
import type { CaptureRow } from "../storage.ts";
import { createSqliteCaptureStore, type SqliteCaptureStore } from "./capture-store.ts";
import { captureRow as buildCaptureRow } from "../test-builders.ts";
import { useRowInspector } from "./test-inspector.ts";
import { clearRequests, getRequestOrThrow, listRequestsAfter } from "../requests.ts";
import { useTestDatabase } from "../test-database.ts";

/**
 * The capture path writes with its own SQLite connection and raw SQL; Prisma never
 * checks that SQL against the schema. These tests write through the store into a real SQLite file
 * and read back through the normal Prisma client.
 */
const database = useTestDatabase();
const getDb = useRowInspector(database);
let databaseFile: string;
let store: SqliteCaptureStore;
let binId: string;

beforeAll(async () => {
  databaseFile = database.file;
  store = createSqliteCaptureStore(databaseFile, { maxCapturesPerBin: 1_000_000 });
  binId = (await createBin("127.0.0.1")).id;
});

afterAll(() => {
  store.close();
});

const captureRow = (overrides: Partial<CaptureRow> = {}) => buildCaptureRow({ binId, ...overrides });

function expectedDetail(row: CaptureRow, seq: number): RequestDetail {
  return {
    id: row.id,
    binId: row.binId,
    seq,
    method: row.method,
    path: row.path,
    query: row.query,
    url: row.url,
    headers: JSON.parse(row.headers) as RequestDetail["headers"],
    contentType: row.contentType,
    size: row.size,
    ip: row.ip,
    receivedAt: row.receivedAt,
    bodyBase64: Buffer.concat(Buffer.isBuffer(row.body) ? [row.body] : row.body).toString("base64"),
    signature: { provider: null, status: "unchecked", reason: "no signature check configured for this bin" },
    suggestedProvider: null,
  };
}

function countRows(): number {
  const db = new Database(databaseFile, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM "CapturedRequest"`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe("createPrismaCaptureStore", () => {
  it("writes a group that reads back byte-exact through the Prisma client", async () => {
    const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const rows = [
      captureRow({
        method: "PROPFIND",
        path: "/a%20b/caf%C3%A9",
        query: "x=%2F&y",
        headers: JSON.stringify([
          ["X-Dup", "1"],
          ["x-dup", "2"],
          ["X-Unicode", "héllo ✓"],
          ["X-Quote", `"'\\`],
        ]),
        contentType: "application/octet-stream",
        body: Buffer.concat([allBytes, Buffer.from([0xc3, 0x28, 0xff])]),
        ip: "::1",
      }),
      captureRow({ method: "GET", path: "", query: "", contentType: null, body: Buffer.alloc(0) }),
      // Far beyond 32 bits: receivedAt must survive as a 64-bit integer.
      captureRow({ receivedAt: 8_640_000_000_000_000 }),
    ];

    const { seqs } = await store.insertAll(rows);

    for (const [index, row] of rows.entries()) {
      expect(await getRequestOrThrow(binId, row.id)).toEqual(expectedDetail(row, seqs[index]!));
    }
    const stored = await getDb().capturedRequest.findUnique({ where: { id: rows[0]!.id } });
    expect(typeof stored!.receivedAt).toBe("bigint");
    expect(stored!.receivedAt).toBe(BigInt(rows[0]!.receivedAt));
    expect(Buffer.from(stored!.body).equals(rows[0]!.body as Buffer)).toBe(true);
    expect((await getDb().capturedRequest.findUnique({ where: { id: rows[2]!.id } }))!.receivedAt).toBe(8_640_000_000_000_000n);
  });

  it("stores an empty body as an empty blob, not NULL", async () => {
    const row = captureRow({ body: Buffer.alloc(0), size: 0 });
    await store.insertAll([row]);
    const db = new Database(databaseFile, { readonly: true });
    try {
      const raw = db.prepare(`SELECT typeof("body") AS type, length("body") AS length FROM "CapturedRequest" WHERE id = ?`).get(row.id);
      expect(raw).toEqual({ type: "blob", length: 0 });
    } finally {
      db.close();
    }
    expect((await getRequestOrThrow(binId, row.id)).bodyBase64).toBe("");
  });

  it("writes all rows or none: one bad row (unknown bin, duplicate id) fails the whole group", async () => {
    const before = countRows();
    await expect(store.insertAll([captureRow(), captureRow({ binId: "NoSuchBinNoSuchBin0000" })])).rejects.toThrow();
    const existing = captureRow();
    await store.insertAll([existing]);
    await expect(store.insertAll([captureRow(), { ...existing }])).rejects.toThrow();
    expect(countRows()).toBe(before + 1);
  });

  it("numbers each bin's captures 1, 2, 3… apart from other bins, takes no number for a group that failed, and never reuses one after a clear", async () => {
    const [a, b] = [(await createBin("127.0.0.1")).id, (await createBin("127.0.0.1")).id];
    expect((await store.insertAll([captureRow({ binId: a }), captureRow({ binId: b }), captureRow({ binId: a })])).seqs).toEqual([1, 1, 2]);
    await expect(store.insertAll([captureRow({ binId: a }), captureRow({ binId: "NoSuchBinNoSuchBin0000" })])).rejects.toThrow();
    expect((await store.insertAll([captureRow({ binId: a })])).seqs).toEqual([3]);
    await clearRequests(a);
    expect((await store.insertAll([captureRow({ binId: a }), captureRow({ binId: b })])).seqs).toEqual([4, 2]);
    expect((await listRequestsAfter(a, 0, 10)).map((request) => request.seq)).toEqual([4]);
  });

  it("writes an auto-forward job pending, or already failed with its reason when it is not to be sent", async () => {
    const sent = captureRow({ forwardJob: { target: "http://127.0.0.1:9/x", maxAttempts: 3 } });
    const notSent = captureRow({ forwardJob: { target: "http://127.0.0.1:9/x", maxAttempts: 3, notSent: "not forwarded: a loop" } });
    await store.insertAll([sent, notSent]);
    const jobs = await getDb().forwardJob.findMany({
      where: { requestId: { in: [sent.id, notSent.id] } },
      orderBy: { id: "asc" },
      select: { state: true, attempts: true, lastError: true },
    });
    expect(jobs).toEqual([
      { state: "pending", attempts: 0, lastError: null },
      { state: "failed", attempts: 0, lastError: "not forwarded: a loop" },
    ]);
  });

  it("accepts an empty group without touching the database", async () => {
    const before = countRows();
    await store.insertAll([]);
    expect(countRows()).toBe(before);
  });

  it("writes a group of 1,000 rows, numbered in their bin in the order given and readable in that order", async () => {
    const rows = Array.from({ length: 1_000 }, () => captureRow());
    const { seqs } = await store.insertAll(rows);
    expect(seqs.slice(1)).toEqual(seqs.slice(0, -1).map((seq) => seq + 1));
    const after = await listRequestsAfter(binId, seqs[0]!, 2_000);
    expect(after.map((r) => [r.id, r.seq])).toEqual(rows.slice(1).map((r, index) => [r.id, seqs[index + 1]]));
  });

  it("waits for a write lock held elsewhere without blocking the event loop, then commits", async () => {
    const other = new Database(databaseFile);
    other.prepare("BEGIN IMMEDIATE").run();
    const row = captureRow();
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 5);
    let writing: Promise<unknown> | undefined;
    try {
      // Waiting inside SQLite (its busy timeout) would hold this call for seconds; the
      // store returns at once and waits on timers. The bound is far above a loaded
      // machine's noise and far below SQLite's 5 s timeout.
      const started = performance.now();
      writing = store.insertAll([row]);
      expect(performance.now() - started).toBeLessThan(1_000);
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(ticks).toBeGreaterThan(0);
    } finally {
      // Always let go of the lock: a held one would stall every later test in this file.
      other.prepare("COMMIT").run();
      other.close();
      clearInterval(ticker);
    }
    await writing;
    expect((await getRequestOrThrow(binId, row.id)).id).toBe(row.id);
  });
});

function binRows(bin: string): { id: string; size: number }[] {
  const db = new Database(databaseFile, { readonly: true });
  try {
    return db.prepare(`SELECT "id", "size" FROM "CapturedRequest" WHERE "binId" = ? ORDER BY "id"`).all(bin) as { id: string; size: number }[];
  } finally {
    db.close();
  }
}

describe("MAX_BIN_BYTES", () => {
  it("prunes the oldest captures in the insert's transaction so a bin's bodies stay within its bytes, without summing per capture", async () => {
    const bounded = createSqliteCaptureStore(databaseFile, { maxCapturesPerBin: 1_000, maxBinBytes: 10_000 });
    try {
      const bin = (await createBin("127.0.0.1")).id;
      const body = (size: number) => Buffer.alloc(size, 0x61);
      const ids: string[] = [];
      const pruned = [];
      for (let i = 0; i < 3; i++) {
        const row = captureRow({ binId: bin, body: body(3_000) });
        ids.push(row.id);
        pruned.push(...(await bounded.insertAll([row])).pruned);
      }
      expect(pruned).toEqual([]);
      expect(captureBytes().get(bin)).toBe(9_000);

      // 12,000 bytes would be over: the oldest one goes, in the same transaction.
      const fourth = captureRow({ binId: bin, body: body(3_000) });
      expect((await bounded.insertAll([fourth])).pruned).toEqual([{ binId: bin, throughSeq: 1, removed: 1 }]);
      expect(binRows(bin).map((row) => row.id)).toEqual([ids[1], ids[2], fourth.id]);

      // A group of two larger ones cuts as many of the oldest as it takes, and no more.
      const group = [captureRow({ binId: bin, body: body(4_000) }), captureRow({ binId: bin, body: body(5_000) })];
      expect((await bounded.insertAll(group)).pruned).toEqual([{ binId: bin, throughSeq: 4, removed: 3 }]);
      expect(binRows(bin)).toEqual(group.map((row) => ({ id: row.id, size: row.size })));
      expect(captureBytes().get(bin)).toBe(9_000);

      // A body of exactly the limit fits (alone).
      const whole = captureRow({ binId: bin, body: body(10_000) });
      await bounded.insertAll([whole]);
      expect(binRows(bin)).toEqual([{ id: whole.id, size: 10_000 }]);
    } finally {
      bounded.close();
    }
  });

  it("measures a bin it has not seen (after a restart, or a deletion elsewhere) once, then keeps the figure itself", async () => {
    const bin = (await createBin("127.0.0.1")).id;
    await store.insertAll([captureRow({ binId: bin, body: Buffer.alloc(6_000) }), captureRow({ binId: bin, body: Buffer.alloc(6_000) })]);
    forgetCaptureCount(bin);
    const bounded = createSqliteCaptureStore(databaseFile, { maxCapturesPerBin: 1_000, maxBinBytes: 10_000 });
    try {
      const [, second] = binRows(bin);
      const next = captureRow({ binId: bin, body: Buffer.alloc(1_000) });
      // 13,000 held, measured from the table: the oldest must go to get within 10,000.
      expect((await bounded.insertAll([next])).pruned).toEqual([{ binId: bin, throughSeq: 1, removed: 1 }]);
      expect(captureBytes().get(bin)).toBe(7_000);
      expect(binRows(bin).map((row) => row.id)).toEqual([second!.id, next.id]);
      // The sweep's expiry keeps the figure too.
      await bounded.expireCaptures(`${next.id}~`, 100_000);
      expect(binRows(bin)).toEqual([]);
      expect(captureBytes().get(bin)).toBe(0);
    } finally {
      bounded.close();
    }
  });
});

describe("a full database", () => {
  it("refuses the whole group with StorageFullError, reports it to health, and recovers once space is freed", async () => {
    const pageSize = 4096;
    const reader = new Database(databaseFile, { readonly: true });
    const pages = (reader.pragma("page_count", { simple: true }) as number) + 8;
    // Pages freed by earlier tests are reused before the file may grow.
    const roomBytes = (8 + (reader.pragma("freelist_count", { simple: true }) as number)) * pageSize;
    reader.close();
    const capped = createSqliteCaptureStore(databaseFile, { maxCapturesPerBin: 1_000_000, maxDatabaseBytes: pages * pageSize });
    // As the server does with its storage's probe (app-server.ts).
    registerStorageProbe(() => capped.probeWrite());
    try {
      const bin = (await createBin("127.0.0.1")).id;
      expect(await storageStatus()).toEqual({ ok: true });
      let refused: unknown;
      // A 16 KiB body at a time fills the room left within a bounded number of tries.
      for (let i = 0; i < Math.ceil(roomBytes / (16 * 1024)) + 5 && refused === undefined; i++) {
        const group = [captureRow({ binId: bin, body: Buffer.alloc(16 * 1024, i) }), captureRow({ binId: bin, body: Buffer.from("small") })];
        const before = binRows(bin).length;
        try {
          await capped.insertAll(group);
        } catch (error) {
          refused = error;
          expect(binRows(bin).length, "nothing of the refused group is stored").toBe(before);
        }
      }
      expect(refused).toBeInstanceOf(StorageFullError);
      expect(refused).toMatchObject({ code: "insufficient_storage", status: 507, reason: "full" });
      expect(await storageStatus()).toMatchObject({ ok: false, storage: "full" });

      // Space freed elsewhere (the API deletes through the Prisma client): health's trial write finds it.
      await getDb().capturedRequest.deleteMany({ where: { binId: bin } });
      forgetCaptureCount(bin);
      await new Promise((resolve) => setTimeout(resolve, 1_050)); // trial writes are at most once a second
      expect(await storageStatus()).toEqual({ ok: true });
      await capped.insertAll([captureRow({ binId: bin, body: Buffer.alloc(8 * 1024) })]);
      expect(binRows(bin)).toHaveLength(1);
    } finally {
      registerStorageProbe(null);
      capped.close();
    }
  });
});
