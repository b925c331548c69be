import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RequestDetail } from "../types.ts";
import { createBin } from "./bins.ts";
import { createSqliteCaptureStore, type CaptureRow, type CaptureStore, type RetentionStore } from "./capture-store.ts";
import { captureRow as buildCaptureRow } from "./test-builders.ts";
import { getDb } from "./db.ts";
import { getRequestOrThrow, listRequestsAfter } from "./requests.ts";
import { useTestDatabase } from "./test-database.ts";

/**
 * The capture path writes with its own SQLite connection and raw SQL; Prisma never
 * checks that SQL against the schema. These tests write through the store into a real SQLite file
 * and read back through the normal Prisma client.
 */
const database = useTestDatabase();
let databaseFile: string;
let store: CaptureStore & RetentionStore;
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

function expectedDetail(row: CaptureRow): RequestDetail {
  return {
    id: row.id,
    binId: row.binId,
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

    await store.insertAll(rows);

    for (const row of rows) {
      expect(await getRequestOrThrow(binId, row.id)).toEqual(expectedDetail(row));
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

  it("writes an auto-forward job pending, or already failed with its reason when it is not to be sent", async () => {
    const sent = captureRow({ forwardJob: { target: "http://127.0.0.1:9/x", maxAttempts: 3 } });
    const notSent = captureRow({ forwardJob: { target: "http://127.0.0.1:9/x", maxAttempts: 3, notSent: "not forwarded: a loop" } });
    await store.insertAll([sent, notSent]);
    const jobs = await getDb().forwardJob.findMany({ where: { requestId: { in: [sent.id, notSent.id] } }, orderBy: { id: "asc" }, select: { state: true, attempts: true, lastError: true } });
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

  it("writes a group of 1,000 rows, readable in id order", async () => {
    const rows = Array.from({ length: 1_000 }, () => captureRow());
    await store.insertAll(rows);
    const after = await listRequestsAfter(binId, rows[0]!.id, 2_000);
    expect(after.map((r) => r.id)).toEqual(rows.slice(1).map((r) => r.id));
  });

  it("waits for a write lock held elsewhere without blocking the event loop, then commits", async () => {
    const other = new Database(databaseFile);
    other.prepare("BEGIN IMMEDIATE").run();
    const row = captureRow();
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 5);
    const writing = store.insertAll([row]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(ticks).toBeGreaterThan(5);
    other.prepare("COMMIT").run();
    other.close();
    await writing;
    clearInterval(ticker);
    expect((await getRequestOrThrow(binId, row.id)).id).toBe(row.id);
  });
});
