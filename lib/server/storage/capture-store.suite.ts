import { randomBytes } from "node:crypto";
import { ulid } from "ulid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BinEvent } from "../../types.ts";
import { createInProcessBus, type EventBus } from "../live/events.ts";
import {
  defaultBodyChunkBytes,
  defaultInlineBodyBytes,
  type CaptureRow,
  type CaptureWriter,
  type CaptureWriterOptions,
  type RetentionStore,
} from "./storage.ts";
import { sweepOnce } from "./retention.ts";
import { captureRow } from "./test-builders.ts";

/**
 * The writer contract every capture store keeps (the SQLite one and the PostgreSQL one),
 * run against a real database by each driver's test file. Rows are read back with plain
 * SQL, so the suite checks what is stored, not what the store says it stored.
 */
export type CaptureStoreHarness = {
  /** A store on the harness's database; the suite closes every store it opens. */
  openStore(options: CaptureWriterOptions): Store;
  /** A new bin (`lastSeq` 0), last used at `lastUsedAt`: now unless given, null for never. */
  createBin(lastUsedAt?: number | null): Promise<string>;
  /**
   * Runs SQL with `?` placeholders and answers its rows as the driver returns them
   * (a 64-bit integer may come back as a string: compare through Number).
   */
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** Deletes captures the way the API does, outside the store: the ids given, or all of the bin's. */
  deleteCaptures(binId: string, ids?: readonly string[]): Promise<void>;
  close(): Promise<void>;
};

/** A driver's writer as the suite drives it: the interface's steps, and its own close. */
type Store = CaptureWriter & RetentionStore & { close(): void };

const day = 86_400_000;

/** A fresh database per describe block (`open`), and the stores opened on it, closed afterwards. */
function useHarness(open: () => Promise<CaptureStoreHarness>) {
  let harness: CaptureStoreHarness | undefined;
  const stores: Store[] = [];
  beforeAll(async () => {
    harness = await open();
  });
  afterAll(async () => {
    for (const store of stores) store.close();
    await harness?.close();
  });
  const get = () => {
    if (!harness) throw new Error("the harness is not open yet");
    return harness;
  };
  return {
    get h() {
      return get();
    },
    store(options: Partial<CaptureWriterOptions> = {}): Store {
      const store = get().openStore({ maxCapturesPerBin: 1_000_000, ...options });
      stores.push(store);
      return store;
    },
  };
}

async function count(h: CaptureStoreHarness, table: string): Promise<number> {
  const [row] = await h.query(`SELECT count(*) AS "n" FROM "${table}"`);
  return Number(row!.n);
}

async function lastSeq(h: CaptureStoreHarness, binId: string): Promise<number> {
  const [row] = await h.query(`SELECT "lastSeq" FROM "Bin" WHERE "id" = ?`, [binId]);
  return Number(row!.lastSeq);
}

/** The bin's captures in `seq` order: id, seq and size. */
async function stored(h: CaptureStoreHarness, binId: string): Promise<{ id: string; seq: number; size: number }[]> {
  const rows = await h.query(`SELECT "id", "seq", "size" FROM "CapturedRequest" WHERE "binId" = ? ORDER BY "seq"`, [binId]);
  return rows.map((row) => ({ id: String(row.id), seq: Number(row.seq), size: Number(row.size) }));
}

async function storedIds(h: CaptureStoreHarness, binId: string): Promise<string[]> {
  return (await stored(h, binId)).map((row) => row.id);
}

/** How a capture's body is stored: its inline column's length (-1: no such capture), its chunk rows' lengths in order, and all its bytes. */
async function storedBody(h: CaptureStoreHarness, requestId: string): Promise<{ inline: number; chunks: number[]; bytes: Buffer }> {
  const [row] = await h.query(`SELECT "body" FROM "CapturedRequest" WHERE "id" = ?`, [requestId]);
  const chunks = (await h.query(`SELECT "data" FROM "BodyChunk" WHERE "requestId" = ? ORDER BY "seq"`, [requestId])).map((chunk) =>
    Buffer.from(chunk.data as Uint8Array),
  );
  const inline = row ? Buffer.from(row.body as Uint8Array) : null;
  return { inline: inline ? inline.length : -1, chunks: chunks.map((chunk) => chunk.length), bytes: Buffer.concat([...(inline ? [inline] : []), ...chunks]) };
}

function bodyOf(row: CaptureRow): Buffer {
  return Buffer.isBuffer(row.body) ? row.body : Buffer.concat(row.body);
}

/** Rows whose ids and receivedAt are `ageMs` in the past, oldest first. */
function rowsAged(binId: string, ageMs: number, rows: number, now = Date.now()): CaptureRow[] {
  return Array.from({ length: rows }, (_, i) => {
    const receivedAt = now - ageMs + i;
    return captureRow({ binId, id: ulid(receivedAt), receivedAt });
  });
}

function recordEvents(bus: EventBus, binId: string): BinEvent[] {
  const events: BinEvent[] = [];
  bus.subscribe(binId, (event) => events.push(event));
  return events;
}

const noSuchBin = "NoSuchBinNoSuchBin0000";

export function describeCaptureStore(name: string, open: () => Promise<CaptureStoreHarness>): void {
  describe(`${name} capture store: writing`, () => {
    const env = useHarness(open);
    let store: Store;
    let binId: string;
    beforeAll(async () => {
      store = env.store();
      binId = await env.h.createBin();
    });
    const row = (overrides: Partial<CaptureRow> = {}) => captureRow({ binId, ...overrides });

    it("writes a group whose every column reads back exactly as given, bodies byte for byte", async () => {
      const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const rows = [
        row({
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
          // Not valid UTF-8: a body must never pass through text.
          body: Buffer.concat([allBytes, Buffer.from([0xc3, 0x28, 0xff, 0x00])]),
          ip: "::1",
          signatureProvider: "github",
          signatureStatus: "invalid",
          signatureReason: "no signature matches",
          answerStatus: 201,
          answerBy: "rule",
          answerRule: 3,
        }),
        row({ method: "GET", path: "", query: "", contentType: null, body: Buffer.alloc(0), answerStatus: 204, answerBy: "preflight", answerRule: null }),
        // Far beyond 32 bits: receivedAt must survive as a 64-bit integer.
        row({ receivedAt: 8_640_000_000_000_000 }),
        // A body that arrived in pieces is stored joined.
        row({ body: [Buffer.from("one "), Buffer.from("two")] }),
      ];

      const { seqs } = await store.insertAll(rows);

      for (const [index, given] of rows.entries()) {
        const [read] = await env.h.query(`SELECT * FROM "CapturedRequest" WHERE "id" = ?`, [given.id]);
        expect({
          ...read,
          seq: Number(read!.seq),
          size: Number(read!.size),
          receivedAt: Number(read!.receivedAt),
          body: Buffer.from(read!.body as Uint8Array),
        }).toEqual({
          id: given.id,
          binId,
          seq: seqs[index],
          method: given.method,
          path: given.path,
          query: given.query,
          url: given.url,
          headers: given.headers,
          contentType: given.contentType,
          body: bodyOf(given),
          size: given.size,
          ip: given.ip,
          receivedAt: given.receivedAt,
          signatureProvider: given.signatureProvider,
          signatureStatus: given.signatureStatus,
          signatureReason: given.signatureReason,
          answerStatus: given.answerStatus,
          answerBy: given.answerBy,
          answerRule: given.answerRule,
        });
      }
    });

    it("stores an empty body as empty bytes, not NULL", async () => {
      const empty = row({ body: Buffer.alloc(0), size: 0 });
      await store.insertAll([empty]);
      const [read] = await env.h.query(`SELECT "body" FROM "CapturedRequest" WHERE "id" = ?`, [empty.id]);
      expect(read!.body).not.toBeNull();
      expect(Buffer.from(read!.body as Uint8Array).length).toBe(0);
    });

    it("writes all rows or none: one bad row (unknown bin, duplicate id) fails the whole group, its jobs and chunks too", async () => {
      const before = { captures: await count(env.h, "CapturedRequest"), chunks: await count(env.h, "BodyChunk"), jobs: await count(env.h, "ForwardJob") };
      const seqBefore = await lastSeq(env.h, binId);
      const large = row({ body: randomBytes(defaultInlineBodyBytes * 2), forwardJob: { target: "http://127.0.0.1:9/x", maxAttempts: 3 } });
      await expect(store.insertAll([large, row({ binId: noSuchBin })])).rejects.toThrow(/no longer exists/);
      const existing = row();
      await store.insertAll([existing]);
      await expect(store.insertAll([row({ body: randomBytes(defaultInlineBodyBytes * 2) }), { ...existing }])).rejects.toThrow();
      expect({ captures: await count(env.h, "CapturedRequest"), chunks: await count(env.h, "BodyChunk"), jobs: await count(env.h, "ForwardJob") }).toEqual({
        ...before,
        captures: before.captures + 1,
      });
      expect(await lastSeq(env.h, binId), "failed groups take no number").toBe(seqBefore + 1);
    });

    it("numbers each bin's captures 1, 2, 3… apart from other bins, takes no number for a group that failed, and never reuses one after a clear", async () => {
      const [a, b] = [await env.h.createBin(), await env.h.createBin()];
      expect((await store.insertAll([row({ binId: a }), row({ binId: b }), row({ binId: a })])).seqs).toEqual([1, 1, 2]);
      await expect(store.insertAll([row({ binId: a }), row({ binId: noSuchBin })])).rejects.toThrow();
      expect((await store.insertAll([row({ binId: a })])).seqs).toEqual([3]);
      await env.h.deleteCaptures(a);
      expect((await store.insertAll([row({ binId: a }), row({ binId: b })])).seqs).toEqual([4, 2]);
      expect((await stored(env.h, a)).map((capture) => capture.seq)).toEqual([4]);
      expect([await lastSeq(env.h, a), await lastSeq(env.h, b)]).toEqual([4, 2]);
    });

    it("writes an auto-forward job in the capture's transaction: pending and due at once, or already failed with its reason", async () => {
      const sent = row({ forwardJob: { target: "http://127.0.0.1:9/x", maxAttempts: 3 } });
      const notSent = row({ forwardJob: { target: "http://127.0.0.1:9/y", maxAttempts: 2, notSent: "not forwarded: a loop" } });
      const plain = row();
      await store.insertAll([sent, notSent, plain]);
      const jobs = await env.h.query(
        `SELECT "id", "requestId", "binId", "target", "maxAttempts", "attempts", "state", "nextAttemptAt", "lastError" FROM "ForwardJob" WHERE "requestId" IN (?, ?, ?) ORDER BY "id"`,
        [sent.id, notSent.id, plain.id],
      );
      expect(
        jobs.map((job) => ({ ...job, maxAttempts: Number(job.maxAttempts), attempts: Number(job.attempts), nextAttemptAt: Number(job.nextAttemptAt) })),
      ).toEqual([
        {
          id: sent.id,
          requestId: sent.id,
          binId,
          target: "http://127.0.0.1:9/x",
          maxAttempts: 3,
          attempts: 0,
          state: "pending",
          nextAttemptAt: sent.receivedAt,
          lastError: null,
        },
        {
          id: notSent.id,
          requestId: notSent.id,
          binId,
          target: "http://127.0.0.1:9/y",
          maxAttempts: 2,
          attempts: 0,
          state: "failed",
          nextAttemptAt: notSent.receivedAt,
          lastError: "not forwarded: a loop",
        },
      ]);
    });

    it("accepts an empty group without touching the database", async () => {
      const before = await count(env.h, "CapturedRequest");
      expect(await store.insertAll([])).toEqual({ seqs: [], pruned: [] });
      expect(await count(env.h, "CapturedRequest")).toBe(before);
    });

    it("writes a group of 1,000 rows, numbered in their bin in the order given", async () => {
      const bin = await env.h.createBin();
      const rows = Array.from({ length: 1_000 }, () => row({ binId: bin }));
      const { seqs } = await store.insertAll(rows);
      expect(seqs).toEqual(rows.map((_row, index) => index + 1));
      expect(await storedIds(env.h, bin)).toEqual(rows.map((each) => each.id));
    });
  });

  describe(`${name} capture store: large bodies in chunk rows`, () => {
    const env = useHarness(open);
    let store: Store;
    let binId: string;
    beforeAll(async () => {
      store = env.store();
      binId = await env.h.createBin();
    });
    const row = (overrides: Partial<CaptureRow> = {}) => captureRow({ binId, ...overrides });
    const large = () => randomBytes(defaultInlineBodyBytes + 1_000);

    it("stores a body that arrived in socket-sized pieces as chunk rows, as the pieces came, and keeps it byte-exact", async () => {
      const pieces = [randomBytes(65_536), randomBytes(65_536), randomBytes(300_000), randomBytes(7)];
      const capture = row({ body: pieces });
      await store.insertAll([capture]);
      // Pieces are written as they came (views, no joining); only one above a chunk's size is split.
      const body = await storedBody(env.h, capture.id);
      expect({ inline: body.inline, chunks: body.chunks }).toEqual({
        inline: 0,
        chunks: [65_536, 65_536, defaultBodyChunkBytes, 300_000 - defaultBodyChunkBytes, 7],
      });
      expect(body.bytes.equals(Buffer.concat(pieces))).toBe(true);
    });

    it.each([
      { name: "empty", size: 0, chunks: [] as number[] },
      { name: "exactly the inline limit", size: defaultInlineBodyBytes, chunks: [] },
      { name: "one byte over the inline limit", size: defaultInlineBodyBytes + 1, chunks: [defaultBodyChunkBytes, 1] },
      {
        name: "an exact multiple of the chunk size",
        size: 3 * defaultBodyChunkBytes,
        chunks: [defaultBodyChunkBytes, defaultBodyChunkBytes, defaultBodyChunkBytes],
      },
    ])("keeps chunk boundaries right for a body $name", async ({ size, chunks }) => {
      const bytes = randomBytes(size);
      const capture = row({ body: bytes });
      await store.insertAll([capture]);
      const body = await storedBody(env.h, capture.id);
      expect({ inline: body.inline, chunks: body.chunks }).toEqual({ inline: chunks.length === 0 ? size : 0, chunks });
      expect(body.bytes.equals(bytes)).toBe(true);
    });

    it("refuses a row whose size does not match its body, so a reader never sees a short body", async () => {
      const capture = row({ body: [randomBytes(defaultInlineBodyBytes), randomBytes(10)], size: defaultInlineBodyBytes + 11 });
      await expect(store.insertAll([capture])).rejects.toThrow(/size/);
      expect(await storedBody(env.h, capture.id)).toEqual({ inline: -1, chunks: [], bytes: Buffer.alloc(0) });
    });

    it("removes a capture's chunk rows with it when the bin is pruned to its limit", async () => {
      const bin = await env.h.createBin();
      const old = captureRow({ binId: bin, body: large() });
      await store.insertAll([old]);
      expect((await storedBody(env.h, old.id)).chunks).toHaveLength(2);
      await store.insertAll([captureRow({ binId: bin, maxCaptures: 1 })]);
      expect((await storedBody(env.h, old.id)).chunks).toEqual([]);
    });

    it("removes them when the capture expires", async () => {
      const bin = await env.h.createBin();
      const [old, kept] = [captureRow({ binId: bin, body: large() }), captureRow({ binId: bin, body: large() })];
      await store.insertAll([old, kept]);
      await store.expireCaptures(kept.id, 1_000);
      expect(await storedBody(env.h, old.id)).toEqual({ inline: -1, chunks: [], bytes: Buffer.alloc(0) });
      expect((await storedBody(env.h, kept.id)).chunks).toHaveLength(2);
    });

    it("removes them when an idle bin is deleted", async () => {
      const bin = await env.h.createBin();
      const capture = captureRow({ binId: bin, body: large() });
      await store.insertAll([capture]);
      // Idle as of a moment from now, with no capture after this one.
      expect(await store.deleteIdleBin(bin, Date.now() + 60_000, `${capture.id}Z`)).toBe(true);
      expect(await storedBody(env.h, capture.id)).toEqual({ inline: -1, chunks: [], bytes: Buffer.alloc(0) });
    });
  });

  describe(`${name} capture store: pruning on insert`, () => {
    const env = useHarness(open);
    const limit = 3;
    let store: Store;
    beforeAll(() => {
      store = env.store({ maxCapturesPerBin: limit });
    });

    it("keeps the newest N of a bin and answers what it cut, leaving other bins alone", async () => {
      const [a, b] = [await env.h.createBin(), await env.h.createBin()];
      const first = Array.from({ length: 5 }, () => captureRow({ binId: a }));
      const other = captureRow({ binId: b });
      expect((await store.insertAll([...first, other])).pruned).toEqual([{ binId: a, throughSeq: 2, removed: 2 }]);
      expect(await storedIds(env.h, a)).toEqual(first.slice(2).map((row) => row.id));
      expect(await storedIds(env.h, b)).toEqual([other.id]);

      const next = captureRow({ binId: a });
      expect((await store.insertAll([next])).pruned).toEqual([{ binId: a, throughSeq: 3, removed: 1 }]);
      expect(await storedIds(env.h, a)).toEqual([first[3]!.id, first[4]!.id, next.id]);
      expect((await store.insertAll([captureRow({ binId: b })])).pruned).toEqual([]);
    });

    it("sees a place freed by a deletion made elsewhere, and does not prune for it", async () => {
      const binId = await env.h.createBin();
      const rows = Array.from({ length: 3 }, () => captureRow({ binId }));
      await store.insertAll(rows);
      await env.h.deleteCaptures(binId, [rows[0]!.id]);
      const next = captureRow({ binId });
      expect((await store.insertAll([next])).pruned).toEqual([]);
      expect(await storedIds(env.h, binId)).toEqual([rows[1]!.id, rows[2]!.id, next.id]);
      // Gaps from deletions are not places: the next one cuts only the oldest.
      expect((await store.insertAll([captureRow({ binId })])).pruned).toEqual([{ binId, throughSeq: 2, removed: 1 }]);
    });

    it("prunes each bin to its own limit when it has one, the others to the store's, answering in the order the bins came", async () => {
      const [small, large, plain] = [await env.h.createBin(), await env.h.createBin(), await env.h.createBin()];
      const smallRows = Array.from({ length: 4 }, () => captureRow({ binId: small, maxCaptures: 1 }));
      const largeRows = Array.from({ length: 5 }, () => captureRow({ binId: large, maxCaptures: limit + 2 }));
      const plainRows = Array.from({ length: 4 }, () => captureRow({ binId: plain }));
      expect((await store.insertAll([...plainRows.slice(0, 1), ...smallRows, ...largeRows, ...plainRows.slice(1)])).pruned).toEqual([
        { binId: plain, throughSeq: 1, removed: 1 },
        { binId: small, throughSeq: 3, removed: 3 },
      ]);
      expect(await storedIds(env.h, small)).toEqual([smallRows[3]!.id]);
      expect(await storedIds(env.h, large)).toEqual(largeRows.map((row) => row.id));
      expect(await storedIds(env.h, plain)).toEqual(plainRows.slice(1).map((row) => row.id));
    });

    it("prunes at once to a lowered limit (the bin's newest capture says it)", async () => {
      const binId = await env.h.createBin();
      await store.insertAll(Array.from({ length: 3 }, () => captureRow({ binId })));
      const next = captureRow({ binId, maxCaptures: 1 });
      expect((await store.insertAll([next])).pruned).toEqual([{ binId, throughSeq: 3, removed: 3 }]);
      expect(await storedIds(env.h, binId)).toEqual([next.id]);
    });

    it("keeps a bin's bodies within MAX_BIN_BYTES, cutting as many of the oldest as it takes and no more", async () => {
      const bounded = env.store({ maxCapturesPerBin: 1_000, maxBinBytes: 10_000 });
      const bin = await env.h.createBin();
      const body = (size: number) => Buffer.alloc(size, 0x61);
      const ids: string[] = [];
      const pruned = [];
      for (let i = 0; i < 3; i++) {
        const row = captureRow({ binId: bin, body: body(3_000) });
        ids.push(row.id);
        pruned.push(...(await bounded.insertAll([row])).pruned);
      }
      expect(pruned).toEqual([]);

      // 12,000 bytes would be over: the oldest one goes, in the same transaction.
      const fourth = captureRow({ binId: bin, body: body(3_000) });
      expect((await bounded.insertAll([fourth])).pruned).toEqual([{ binId: bin, throughSeq: 1, removed: 1 }]);
      expect(await storedIds(env.h, bin)).toEqual([ids[1], ids[2], fourth.id]);

      // A group of two larger ones cuts as many of the oldest as it takes, and no more.
      const group = [captureRow({ binId: bin, body: body(4_000) }), captureRow({ binId: bin, body: body(5_000) })];
      expect((await bounded.insertAll(group)).pruned).toEqual([{ binId: bin, throughSeq: 4, removed: 3 }]);
      expect((await stored(env.h, bin)).map(({ id, size }) => ({ id, size }))).toEqual(group.map((row) => ({ id: row.id, size: row.size })));

      // Bytes freed elsewhere are seen: 9,000 held after deleting the 4,000, so 5,000 more fit.
      await env.h.deleteCaptures(bin, [group[0]!.id]);
      const fits = captureRow({ binId: bin, body: body(5_000) });
      expect((await bounded.insertAll([fits])).pruned).toEqual([]);

      // A body of exactly the limit fits (alone).
      const whole = captureRow({ binId: bin, body: body(10_000) });
      expect((await bounded.insertAll([whole])).pruned).toEqual([{ binId: bin, throughSeq: 7, removed: 2 }]);
      expect((await stored(env.h, bin)).map(({ id, size }) => ({ id, size }))).toEqual([{ id: whole.id, size: 10_000 }]);
    });

    it("prunes by count as well when bytes are limited too", async () => {
      const bounded = env.store({ maxCapturesPerBin: 2, maxBinBytes: 1_000_000 });
      const bin = await env.h.createBin();
      const rows = Array.from({ length: 5 }, () => captureRow({ binId: bin }));
      expect((await bounded.insertAll(rows)).pruned).toEqual([{ binId: bin, throughSeq: 3, removed: 3 }]);
      expect(await storedIds(env.h, bin)).toEqual(rows.slice(3).map((row) => row.id));
    });
  });

  describe(`${name} capture store: retention`, () => {
    const env = useHarness(open);
    let store: Store;
    beforeAll(() => {
      store = env.store({ maxCapturesPerBin: 3 });
    });

    async function lastUsedAt(binId: string): Promise<number | null> {
      const [row] = await env.h.query(`SELECT "lastUsedAt" FROM "Bin" WHERE "id" = ?`, [binId]);
      return row!.lastUsedAt === null ? null : Number(row!.lastUsedAt);
    }

    it("expires the oldest captures below an id, at most `limit` at a time, answering each bin's highest place removed and recording the use", async () => {
      const now = Date.now();
      const [a, b] = [await env.h.createBin(now - 20 * day), await env.h.createBin(now - 20 * day)];
      const oldA = rowsAged(a, 10 * day, 3, now);
      const oldB = rowsAged(b, 9 * day, 1, now);
      const fresh = rowsAged(a, day, 1, now);
      // Without a limit that would prune: 4 captures go to bin a.
      const unbounded = env.store();
      await unbounded.insertAll(oldA);
      await unbounded.insertAll([...oldB, ...fresh]);
      const beforeId = ulid(now - 7 * day);

      expect(await store.expireCaptures(beforeId, 2)).toEqual([{ binId: a, throughSeq: 2, removed: 2 }]);
      const byBin = (x: { binId: string }, y: { binId: string }) => x.binId.localeCompare(y.binId);
      expect([...(await store.expireCaptures(beforeId, 10))].sort(byBin)).toEqual(
        [
          { binId: a, throughSeq: 3, removed: 1 },
          { binId: b, throughSeq: 1, removed: 1 },
        ].sort(byBin),
      );
      expect(await store.expireCaptures(beforeId, 10)).toEqual([]);
      expect(await storedIds(env.h, a)).toEqual([fresh[0]!.id]);
      expect(await storedIds(env.h, b)).toEqual([]);
      expect(await lastUsedAt(a)).toBe(oldA[2]!.receivedAt);
      expect(await lastUsedAt(b)).toBe(oldB[0]!.receivedAt);

      // A use recorded later is never lowered by an expiry.
      const c = await env.h.createBin(now);
      await store.insertAll(rowsAged(c, 10 * day, 1, now));
      expect(await store.expireCaptures(beforeId, 10)).toEqual([{ binId: c, throughSeq: 1, removed: 1 }]);
      expect(await lastUsedAt(c)).toBe(now);
    });

    it("sweepOnce removes captures older than CAPTURE_TTL in small batches and tells live clients", async () => {
      const bus = createInProcessBus();
      const now = Date.now();
      const [a, b] = [await env.h.createBin(), await env.h.createBin()];
      const oldA = rowsAged(a, 10 * day, 2, now);
      const oldB = rowsAged(b, 9 * day, 1, now);
      const fresh = rowsAged(a, 1 * day, 1, now);
      // One bin at a time: the limit of 3 would prune the group otherwise.
      for (const rows of [oldA, oldB, fresh]) await store.insertAll(rows);
      const [eventsA, eventsB] = [recordEvents(bus, a), recordEvents(bus, b)];

      const result = await sweepOnce(store, bus, { captureTtlMs: 7 * day, binIdleTtlMs: 0, batchSize: 1 }, now);

      expect(result.capturesRemoved).toBe(3);
      expect(await storedIds(env.h, a)).toEqual([fresh[0]!.id]);
      expect(await storedIds(env.h, b)).toEqual([]);
      // batchSize 1: one event per removed capture, each naming the newest one gone so far.
      expect(eventsA).toEqual(oldA.map((_row, index) => ({ type: "requests-pruned", binId: a, throughSeq: index + 1, removed: 1 })));
      expect(eventsB).toEqual([{ type: "requests-pruned", binId: b, throughSeq: 1, removed: 1 }]);
    });

    it("sweepOnce deletes bins with no capture and no visit for BIN_IDLE_TTL, and only those", async () => {
      const bus = createInProcessBus();
      const now = Date.now();
      const later = now + 31 * day;
      const idle = await env.h.createBin(now);
      const visited = await env.h.createBin(later - day);
      const captured = await env.h.createBin(now);
      const legacy = await env.h.createBin(null);
      const declared = await env.h.createBin(now);
      const recent = rowsAged(captured, 2 * day, 1, later);
      await store.insertAll(recent);
      const events = recordEvents(bus, idle);

      const result = await sweepOnce(store, bus, { captureTtlMs: 0, binIdleTtlMs: 30 * day, batchSize: 2, keepBinIds: new Set([declared]) }, later);

      expect(result.binsRemoved).toBeGreaterThanOrEqual(1);
      const remaining = await env.h.query(`SELECT "id" FROM "Bin" WHERE "id" IN (?, ?, ?, ?, ?)`, [idle, visited, captured, legacy, declared]);
      expect(remaining.map((bin) => String(bin.id)).sort()).toEqual([visited, captured, legacy, declared].sort());
      expect(events).toEqual([{ type: "bin-deleted", binId: idle }]);
      // Kept by its capture, it remembers that use; one from before lastUsedAt existed starts its idle time now; a declared one counts as used now.
      expect(await lastUsedAt(captured)).toBe(recent[0]!.receivedAt);
      expect(await lastUsedAt(legacy)).toBe(later);
      expect(await lastUsedAt(declared)).toBe(later);
      expect(await lastUsedAt(visited)).toBe(later - day);
    });

    it("offers idle bins least recently used first, with their newest capture", async () => {
      const now = Date.now();
      const older = await env.h.createBin(now - 50 * day);
      const old = await env.h.createBin(now - 40 * day);
      const rows = rowsAged(old, 45 * day, 2, now);
      await store.insertAll(rows);
      const candidates = await store.idleBinCandidates(now - 35 * day, 10);
      expect(candidates.filter((each) => each.binId === older || each.binId === old)).toEqual([
        { binId: older, newestId: null },
        { binId: old, newestId: rows[1]!.id },
      ]);
      expect(await store.idleBinCandidates(now - 35 * day, 1)).toHaveLength(1);
    });

    it("deletes an idle bin only while it is still idle: a capture or a visit since keeps it", async () => {
      const now = Date.now();
      const usedBefore = now - day;
      const beforeId = ulid(usedBefore);
      const captured = await env.h.createBin(now - 10 * day);
      await store.insertAll(rowsAged(captured, 0, 1, now));
      expect(await store.deleteIdleBin(captured, usedBefore, beforeId)).toBe(false);

      const visited = await env.h.createBin(now - 10 * day);
      await store.markBinUsed(visited, now);
      expect(await store.deleteIdleBin(visited, usedBefore, beforeId)).toBe(false);
      // A use is only ever raised.
      await store.markBinUsed(visited, now - 5 * day);
      expect(await lastUsedAt(visited)).toBe(now);

      const idle = await env.h.createBin(now - 10 * day);
      await store.insertAll(rowsAged(idle, 10 * day, 1, now));
      expect(await store.deleteIdleBin(idle, usedBefore, beforeId)).toBe(true);
      expect(await store.deleteIdleBin(idle, usedBefore, beforeId), "already gone").toBe(false);
      expect(await env.h.query(`SELECT "id" FROM "Bin" WHERE "id" IN (?, ?, ?)`, [captured, visited, idle])).toHaveLength(2);
    });

    it("stamps bins that were never used with now, leaving the others", async () => {
      const now = Date.now();
      const [never, used] = [await env.h.createBin(null), await env.h.createBin(now - day)];
      await store.stampUnusedBins(now + 5);
      expect([await lastUsedAt(never), await lastUsedAt(used)]).toEqual([now + 5, now - day]);
    });
  });
}
