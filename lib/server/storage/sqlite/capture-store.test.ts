import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CaptureAnswer, RequestDetail } from "../../../types.ts";
import { createBin } from "../../bins/bins.ts";
import { captureBytes, forgetCaptureCount } from "../capture-counts.ts";
import { StorageFullError, registerStorageProbe, storageStatus } from "../storage-health.ts";
import type { CaptureRow } from "../storage.ts";
import { createSqliteCaptureStore, type SqliteCaptureStore } from "./capture-store.ts";
import { captureRow as buildCaptureRow } from "../test-builders.ts";
import { useRowInspector } from "./test-inspector.ts";
import { getRequestOrThrow } from "../requests.ts";
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
    answer: row.answerStatus === null ? null : { status: row.answerStatus, by: row.answerBy as CaptureAnswer["by"], rule: row.answerRule },
    encoding: null,
  };
}

/*
 * The writer contract both stores keep (numbering, all-or-nothing groups, jobs, pruning,
 * chunks, retention) is capture-store.suite.ts, run for SQLite in
 * capture-store.contract.test.ts. Here: what is SQLite's alone, and the Prisma read path.
 */
describe("createSqliteCaptureStore", () => {
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
