import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { ulid } from "ulid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, describeWithPostgres } from "@/e2e/support/postgres.ts";
import { freePort } from "@/scripts/free-port.mjs";
import { PrismaClient } from "../../generated/prisma-postgres/client.ts";
import type { CaptureRow, CaptureWriter } from "../storage.ts";
import { describeCaptureStore, type CaptureStoreHarness } from "../capture-store.suite.ts";
import { GroupCommitWriter } from "../group-commit.ts";
import { applyPostgresMigrations } from "./migrate.ts";
import { StorageUnavailableError, markStorageFull, markStorageWritable, registerStorageProbe, storageStatus } from "../storage-health.ts";
import { captureRow } from "../test-builders.ts";
import { createPostgresCaptureStore, type PostgresCaptureStore, type PostgresCaptureStoreOptions } from "./capture-store.ts";

const migrationsDir = fileURLToPath(new URL("../../../../prisma/postgres/migrations", import.meta.url));

/** A pool as an instance holds it; an idle connection the server drops is reported here, not thrown. */
function newPool(url: string, config: pg.PoolConfig = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 4, pipeline: true, ...config });
  pool.on("error", () => undefined); // a broken idle connection is dropped by the pool; the tests that cause it wait for this event
  return pool;
}

/** A fresh migrated database, with the SQL `?` placeholders of the suite numbered for PostgreSQL. */
async function migratedDatabase(name: string): Promise<string> {
  const url = await createTestDatabase(name);
  await applyPostgresMigrations(url, migrationsDir);
  return url;
}

function numbered(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}

async function createBin(pool: pg.Pool, lastUsedAt: number | null = Date.now()): Promise<string> {
  const id = randomBytes(16).toString("base64url");
  await pool.query(`INSERT INTO "Bin" ("id", "lastUsedAt") VALUES ($1, $2)`, [id, lastUsedAt]);
  return id;
}

let harnesses = 0;

async function openPostgres(): Promise<CaptureStoreHarness> {
  harnesses += 1;
  const url = await migratedDatabase(`capture_store_suite_${harnesses}`);
  const pool = newPool(url);
  return {
    openStore: (options) => createPostgresCaptureStore(pool, options),
    createBin: (lastUsedAt) => createBin(pool, lastUsedAt),
    async query(sql, params = []) {
      return (await pool.query(numbered(sql), [...params])).rows as Record<string, unknown>[];
    },
    async deleteCaptures(binId, ids) {
      if (ids) await pool.query(`DELETE FROM "CapturedRequest" WHERE "binId" = $1 AND "id" = ANY($2::text[])`, [binId, ids]);
      else await pool.query(`DELETE FROM "CapturedRequest" WHERE "binId" = $1`, [binId]);
    },
    close: () => pool.end(),
  };
}

type Store = PostgresCaptureStore;

describeWithPostgres("PostgreSQL capture store", () => {
  describeCaptureStore("PostgreSQL", openPostgres);

  describe("with several instances on one database", () => {
    let url: string;
    const pools: pg.Pool[] = [];
    const stores: Store[] = [];
    beforeAll(async () => {
      url = await migratedDatabase("capture_store_instances");
    });
    afterAll(async () => {
      for (const store of stores) store.close();
      await Promise.all(pools.map((pool) => pool.end()));
    });

    /** One instance: a pool of its own and a store on it. */
    function instance(options: Partial<PostgresCaptureStoreOptions> = {}): { pool: pg.Pool; store: Store } {
      const pool = newPool(url);
      const store = createPostgresCaptureStore(pool, { maxCapturesPerBin: 1_000_000, ...options });
      pools.push(pool);
      stores.push(store);
      return { pool, store };
    }

    /** Writes `rows` through a group-commit writer of its own on `store`, all at once; answers each row's seq in the order given. */
    async function writeThrough(store: Store, rows: readonly CaptureRow[], onPruned?: (removed: number) => void): Promise<number[]> {
      const seqs = new Map<string, number>();
      // Small groups, so the two instances' transactions interleave many times.
      const writer = new GroupCommitWriter(store, {
        maxPending: 10_000,
        maxRowsPerGroup: 13,
        onCommitted: (row, seq) => seqs.set(row.id, seq),
        onPruned: (pruned) => onPruned?.(pruned.removed),
      });
      await Promise.all(rows.map((row) => writer.write(row)));
      return rows.map((row) => seqs.get(row.id)!);
    }

    it("numbers 2 × 500 concurrent captures into one bin 1…1000 with no gap or repeat, and commits them in that order", async () => {
      const channel = "hookyard_test_captures";
      const notify = { channel, payloadSql: `"binId" || ':' || "lastSeq"` };
      const [a, b] = [instance({ notify }), instance({ notify })];
      const binId = await createBin(a.pool);

      const listener = new pg.Client({ connectionString: url });
      await listener.connect();
      const noticed: number[] = [];
      listener.on("notification", (message) => {
        const [bin, seq] = (message.payload ?? "").split(":");
        if (bin === binId) noticed.push(Number(seq));
      });
      await listener.query(`LISTEN ${channel}`);

      // A reader polling the bin the whole time: in every snapshot, the captures it sees
      // must be exactly 1…max: a later number committed before an earlier one would show as a hole.
      let writing = true;
      const snapshots: { n: number; max: number }[] = [];
      const poll = (async () => {
        while (writing) {
          const { rows } = await a.pool.query<{ n: number; max: number | null }>(
            `SELECT count(*)::int AS "n", max("seq") AS "max" FROM "CapturedRequest" WHERE "binId" = $1`,
            [binId],
          );
          snapshots.push({ n: rows[0]!.n, max: rows[0]!.max ?? 0 });
        }
      })();

      try {
        const rowsA = Array.from({ length: 500 }, () => captureRow({ binId }));
        const rowsB = Array.from({ length: 500 }, () => captureRow({ binId }));
        const [seqsA, seqsB] = await Promise.all([writeThrough(a.store, rowsA), writeThrough(b.store, rowsB)]);
        writing = false;
        await poll;

        expect([...seqsA, ...seqsB].sort((x, y) => x - y)).toEqual(Array.from({ length: 1_000 }, (_, i) => i + 1));
        // Each instance's own captures keep the order it wrote them in.
        for (const seqs of [seqsA, seqsB]) expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
        const { rows } = await a.pool.query<{ seq: number; id: string }>(`SELECT "seq", "id" FROM "CapturedRequest" WHERE "binId" = $1 ORDER BY "seq"`, [
          binId,
        ]);
        expect(rows.map((row) => row.seq)).toEqual(Array.from({ length: 1_000 }, (_, i) => i + 1));
        const bySeq = new Map([...rowsA, ...rowsB].map((row, index) => [row.id, [...seqsA, ...seqsB][index]]));
        expect(rows.every((row) => bySeq.get(row.id) === row.seq)).toBe(true);

        expect(snapshots.length).toBeGreaterThan(1);
        expect(snapshots.filter((snapshot) => snapshot.n !== snapshot.max)).toEqual([]);
        // Notices come in commit order: their numbers only rise, and the last is 1,000.
        await listener.query("SELECT 1"); // notices committed before this round trip have arrived
        expect(noticed.length).toBeGreaterThan(1);
        expect(noticed).toEqual([...noticed].sort((x, y) => x - y));
        expect(new Set(noticed).size).toBe(noticed.length);
        expect(noticed.at(-1)).toBe(1_000);
      } finally {
        writing = false;
        await poll;
        await listener.end();
      }
    });

    it.each([
      { name: "by count", limit: 10, maxBinBytes: 0, size: 100, keeps: 10 },
      { name: "by bytes", limit: 1_000, maxBinBytes: 1_050, size: 100, keeps: 10 },
    ])("with two writers pruning $name, a bin never holds more than its limit, nor less than it needs to", async ({ limit, maxBinBytes, size, keeps }) => {
      const [a, b] = [instance({ maxCapturesPerBin: limit, maxBinBytes }), instance({ maxCapturesPerBin: limit, maxBinBytes })];
      const binId = await createBin(a.pool);
      let writing = true;
      const snapshots: { n: number; min: number; max: number }[] = [];
      const poll = (async () => {
        while (writing) {
          const { rows } = await a.pool.query<{ n: number; min: number | null; max: number | null }>(
            `SELECT count(*)::int AS "n", min("seq") AS "min", max("seq") AS "max" FROM "CapturedRequest" WHERE "binId" = $1`,
            [binId],
          );
          snapshots.push({ n: rows[0]!.n, min: rows[0]!.min ?? 0, max: rows[0]!.max ?? 0 });
        }
      })();
      let removed = 0;
      try {
        const body = () => randomBytes(size);
        await Promise.all([
          writeThrough(
            a.store,
            Array.from({ length: 300 }, () => captureRow({ binId, body: body() })),
            (count) => (removed += count),
          ),
          writeThrough(
            b.store,
            Array.from({ length: 300 }, () => captureRow({ binId, body: body() })),
            (count) => (removed += count),
          ),
        ]);
      } finally {
        writing = false;
        await poll;
      }
      // Every committed state holds exactly the newest `keeps` (or all, before there are that many).
      expect(snapshots.filter(({ n, min, max }) => n !== Math.min(keeps, max) || (n > 0 && min !== max - n + 1))).toEqual([]);
      const { rows } = await a.pool.query<{ seq: number }>(`SELECT "seq" FROM "CapturedRequest" WHERE "binId" = $1 ORDER BY "seq"`, [binId]);
      expect(rows.map((row) => row.seq)).toEqual(Array.from({ length: keeps }, (_, i) => 600 - keeps + i + 1));
      expect(removed).toBe(600 - keeps);
    });

    it("lets two sweepers expire the same captures while writers prune the same bins, without deadlock or a removal counted twice", async () => {
      const [a, b] = [instance({ maxCapturesPerBin: 5 }), instance({ maxCapturesPerBin: 5 })];
      const bins = [await createBin(a.pool), await createBin(a.pool), await createBin(a.pool)];
      const old = Date.now() - 30 * 86_400_000;
      // Captures that are already expired when written: writers prune what sweepers expire.
      const rows = Array.from({ length: 600 }, (_, i) => captureRow({ binId: bins[i % 3]!, id: ulid(old + i), receivedAt: old + i }));
      const beforeId = ulid(Date.now());
      let inserted = 0;
      let pruned = 0;
      let expired = 0;
      let sweeping = true;
      const sweep = async (store: Store) => {
        while (sweeping) {
          // Other tests' captures in this database are old too: only these bins are counted.
          for (const each of await store.expireCaptures(beforeId, 7)) if (bins.includes(each.binId)) expired += each.removed;
        }
      };
      const write = async (store: Store, mine: CaptureRow[]) => {
        // Groups spanning all three bins, straight to the store: an error here is not retried.
        for (let start = 0; start < mine.length; start += 9) {
          const committed = await store.insertAll(mine.slice(start, start + 9));
          inserted += Math.min(9, mine.length - start);
          for (const each of committed.pruned) pruned += each.removed;
        }
      };
      // Each sweeper's failure (a deadlock, say) is kept to be reported, not left unhandled.
      const sweepers = [sweep(a.store), sweep(b.store)].map((sweeper) =>
        sweeper.then(
          () => null,
          (error: unknown) => error,
        ),
      );
      try {
        await Promise.all([write(a.store, rows.slice(0, 300)), write(b.store, rows.slice(300))]);
      } finally {
        sweeping = false;
      }
      expect(await Promise.all(sweepers)).toEqual([null, null]);
      for (let more = true; more;) {
        const batch = await a.store.expireCaptures(beforeId, 1_000);
        more = batch.length > 0;
        for (const each of batch) if (bins.includes(each.binId)) expired += each.removed;
      }
      expect(inserted).toBe(600);
      const { rows: left } = await a.pool.query<{ n: number }>(`SELECT count(*)::int AS "n" FROM "CapturedRequest" WHERE "binId" = ANY($1::text[])`, [bins]);
      expect(left[0]!.n).toBe(0);
      expect(pruned + expired).toBe(600);
    });

    it("keeps an idle bin whose writer commits a capture while the sweep waits for the bin", async () => {
      const { pool, store } = instance();
      const binId = await createBin(pool, Date.now() - 10 * 86_400_000);
      const usedBefore = Date.now() - 86_400_000;
      // A writer in the middle of its group: the bin is locked and its capture not yet committed.
      const writer = await pool.connect();
      try {
        await writer.query("BEGIN");
        await writer.query(`UPDATE "Bin" SET "lastSeq" = "lastSeq" + 1 WHERE "id" = $1`, [binId]);
        const row = captureRow({ binId, id: ulid(), receivedAt: Date.now() });
        await writer.query(
          `INSERT INTO "CapturedRequest" ("id", "binId", "seq", "method", "path", "query", "url", "headers", "body", "size", "ip", "receivedAt")
           VALUES ($1, $2, 1, 'POST', '/', '', $3, '[]', $4, 0, '127.0.0.1', $5)`,
          [row.id, binId, row.url, Buffer.alloc(0), row.receivedAt],
        );
        const deleting = store.deleteIdleBin(binId, usedBefore, ulid(usedBefore));
        await waitUntilBlocked(pool, writer);
        await writer.query("COMMIT");
        expect(await deleting).toBe(false);
      } finally {
        writer.release();
      }
      expect((await pool.query(`SELECT 1 FROM "Bin" WHERE "id" = $1`, [binId])).rowCount).toBe(1);
    });

    it("prunes a bin deleted and made again under the same id (a declared bin) from its first capture, whatever it pruned before", async () => {
      const { pool, store } = instance({ maxCapturesPerBin: 2 });
      const binId = await createBin(pool);
      expect((await store.insertAll(Array.from({ length: 5 }, () => captureRow({ binId })))).pruned).toEqual([{ binId, throughSeq: 3, removed: 3 }]);
      await pool.query(`DELETE FROM "Bin" WHERE "id" = $1`, [binId]);
      await pool.query(`INSERT INTO "Bin" ("id", "lastUsedAt", "createdAt") VALUES ($1, $2, now() + interval '1 second')`, [binId, Date.now()]);
      // Numbered from 1 again: places at or below the old bin's last cut must not be taken for pruned.
      const rows = Array.from({ length: 3 }, () => captureRow({ binId }));
      expect(await store.insertAll(rows)).toEqual({ seqs: [1, 2, 3], pruned: [{ binId, throughSeq: 1, removed: 1 }] });
    });

    it("reads back through the PostgreSQL Prisma client: bytes, 64-bit times and chunk rows as the schema says", async () => {
      const { pool, store } = instance();
      const binId = await createBin(pool);
      const small = captureRow({ binId, body: Buffer.from([0, 1, 2, 0xff, 0xfe]), receivedAt: 8_640_000_000_000_000 });
      const large = captureRow({ binId, body: [randomBytes(200_000), randomBytes(200_000)] });
      await store.insertAll([small, large]);
      const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
      try {
        const read = await db.capturedRequest.findUniqueOrThrow({ where: { id: small.id } });
        expect(read).toMatchObject({ binId, seq: 1, method: small.method, headers: small.headers, size: 5, receivedAt: 8_640_000_000_000_000n });
        expect(Buffer.from(read.body).equals(small.body as Buffer)).toBe(true);
        const chunks = await db.bodyChunk.findMany({ where: { requestId: large.id }, orderBy: { seq: "asc" } });
        expect(chunks.map((chunk) => chunk.seq)).toEqual([0, 1]);
        expect(Buffer.concat(chunks.map((chunk) => chunk.data)).equals(Buffer.concat(large.body as Buffer[]))).toBe(true);
        expect((await db.bin.findUniqueOrThrow({ where: { id: binId } })).lastSeq).toBe(2);
      } finally {
        await db.$disconnect();
      }
    });
  });

  describe("notices, and groups held or failed at commit", () => {
    let url: string;
    let pool: pg.Pool;
    let listener: pg.Client;
    const channel = "hookyard_test_notices";
    const noticed: string[] = [];
    beforeAll(async () => {
      url = await migratedDatabase("capture_store_notices");
      pool = newPool(url);
      // A deferred trigger runs at COMMIT, after the store's pg_notify: it can hold the
      // commit (until the test lets go of an advisory lock) or fail it.
      await pool.query(`
        CREATE FUNCTION "testAtCommit"() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW."method" = 'HOLD' THEN PERFORM pg_advisory_xact_lock(4242); END IF;
          IF NEW."method" = 'FAIL' THEN RAISE EXCEPTION 'refused at commit'; END IF;
          RETURN NULL;
        END $$;
        CREATE CONSTRAINT TRIGGER "testAtCommit" AFTER INSERT ON "CapturedRequest" DEFERRABLE INITIALLY DEFERRED
          FOR EACH ROW EXECUTE FUNCTION "testAtCommit"();`);
      listener = new pg.Client({ connectionString: url });
      await listener.connect();
      listener.on("notification", (message) => noticed.push(message.payload ?? ""));
      await listener.query(`LISTEN ${channel}`);
    });
    afterAll(async () => {
      await listener.end();
      await pool.end();
    });

    /** Notices that arrived so far: any committed before this round trip on the listener's connection have. */
    async function noticesNow(): Promise<string[]> {
      await listener.query("SELECT 1");
      return [...noticed];
    }

    it("sends one notice per bin with its highest seq in the group, only once the group commits", async () => {
      const store = createPostgresCaptureStore(pool, { maxCapturesPerBin: 100, notify: { channel, payloadSql: `"binId" || ' ' || "lastSeq"` } });
      const [a, b] = [await createBin(pool), await createBin(pool)];
      const holder = await pool.connect();
      try {
        await holder.query("SELECT pg_advisory_lock(4242)");
        const writing = store.insertAll([captureRow({ binId: a }), captureRow({ binId: b }), captureRow({ binId: a, method: "HOLD" })]);
        // The store has sent its notices and waits in COMMIT: none may have arrived.
        await waitUntilBlocked(pool, holder);
        expect((await noticesNow()).filter((notice) => notice.startsWith(a) || notice.startsWith(b))).toEqual([]);
        // Nor are its captures visible.
        expect((await pool.query(`SELECT 1 FROM "CapturedRequest" WHERE "binId" = ANY($1::text[])`, [[a, b]])).rowCount).toBe(0);

        await holder.query("SELECT pg_advisory_unlock(4242)");
        expect((await writing).seqs).toEqual([1, 1, 2]);
        expect((await noticesNow()).filter((notice) => notice.startsWith(a) || notice.startsWith(b)).sort()).toEqual([`${a} 2`, `${b} 1`].sort());
      } finally {
        holder.release();
        store.close();
      }
    });

    it("takes nothing it pruned in a group that rolled back at commit for pruned", async () => {
      const store = createPostgresCaptureStore(pool, { maxCapturesPerBin: 2 });
      const binId = await createBin(pool);
      try {
        await store.insertAll([captureRow({ binId }), captureRow({ binId })]);
        // This group prunes place 1, then fails at commit: place 1 is still stored.
        await expect(store.insertAll([captureRow({ binId, method: "FAIL" })])).rejects.toThrow(/refused at commit/);
        expect((await pool.query(`SELECT "seq" FROM "CapturedRequest" WHERE "binId" = $1 ORDER BY "seq"`, [binId])).rows).toEqual([{ seq: 1 }, { seq: 2 }]);
        expect((await store.insertAll([captureRow({ binId })])).pruned).toEqual([{ binId, throughSeq: 1, removed: 1 }]);
      } finally {
        store.close();
      }
    });

    it("sends no notice for a group that rolls back at commit, and answers its failure", async () => {
      const store = createPostgresCaptureStore(pool, { maxCapturesPerBin: 100, notify: { channel, payloadSql: `"binId" || ' ' || "lastSeq"` } });
      const binId = await createBin(pool);
      try {
        await expect(store.insertAll([captureRow({ binId }), captureRow({ binId, method: "FAIL" })])).rejects.toThrow(/refused at commit/);
        expect((await noticesNow()).filter((notice) => notice.startsWith(binId))).toEqual([]);
        expect((await pool.query(`SELECT "lastSeq" FROM "Bin" WHERE "id" = $1`, [binId])).rows).toEqual([{ lastSeq: 0 }]);
        // The next group commits, and is noticed, as the first.
        await store.insertAll([captureRow({ binId })]);
        expect((await noticesNow()).filter((notice) => notice.startsWith(binId))).toEqual([`${binId} 1`]);
      } finally {
        store.close();
      }
    });
  });

  describe("a sweep beside a writer in the middle of its group", () => {
    let pool: pg.Pool;
    beforeAll(async () => {
      pool = newPool(await migratedDatabase("capture_store_mid_group"));
      // Holds a marked row's INSERT (its writer has locked the bin already) until the
      // test lets go of an advisory lock.
      await pool.query(`
        CREATE FUNCTION "testHoldInsert"() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW."method" = 'HOLD' THEN PERFORM pg_advisory_xact_lock(4343); END IF; RETURN NEW; END $$;
        CREATE TRIGGER "testHoldInsert" BEFORE INSERT ON "CapturedRequest" FOR EACH ROW EXECUTE FUNCTION "testHoldInsert"();`);
    });
    afterAll(() => pool.end());

    it("expires what the writer is about to prune without a deadlock: both commit, and each capture is removed once", async () => {
      const writer = createPostgresCaptureStore(pool, { maxCapturesPerBin: 1 });
      const sweeper = createPostgresCaptureStore(pool, { maxCapturesPerBin: 1 });
      const old = Date.now() - 30 * 86_400_000;
      // Last used before its old capture: the expiry records that capture as a use, so it must write the bin.
      const binId = await createBin(pool, old - 1_000);
      await writer.insertAll([captureRow({ binId, id: ulid(old), receivedAt: old })]);
      const holder = await pool.connect();
      try {
        await holder.query("SELECT pg_advisory_lock(4343)");
        // The writer locks the bin, then waits in its INSERT; it will prune the old capture.
        const writing = writer.insertAll([captureRow({ binId, id: ulid(), receivedAt: Date.now(), method: "HOLD" })]);
        await waitForLockWaits(pool, 1);
        // The sweep wants the same old capture. Taking capture locks before the bin's (the
        // writer's order reversed) would deadlock once the writer goes on.
        const expiring = sweeper.expireCaptures(ulid(Date.now() - 86_400_000), 10);
        await waitForLockWaits(pool, 2);
        await holder.query("SELECT pg_advisory_unlock(4343)");
        const [{ pruned }, expired] = await Promise.all([writing, expiring]);
        expect([...pruned, ...expired]).toEqual([{ binId, throughSeq: 1, removed: 1 }]);
      } finally {
        holder.release();
        writer.close();
        sweeper.close();
      }
    });
  });

  describe("shedding", () => {
    let url: string;
    let pool: pg.Pool;
    beforeAll(async () => {
      url = await migratedDatabase("capture_store_shedding");
      pool = newPool(url);
    });
    afterAll(() => pool.end());

    async function refusal(work: Promise<unknown>): Promise<unknown> {
      return work.then(
        () => new Error("expected the call to fail"),
        (error: unknown) => error,
      );
    }

    it("answers StorageUnavailableError (503, Retry-After) at once when nothing listens at the database's address", async () => {
      const port = await freePort();
      const down = new pg.Pool({ host: "127.0.0.1", port, user: "hookyard", password: "unused", database: "hookyard", connectionTimeoutMillis: 5_000 });
      // A failed attempt to connect is the caller's error, not the pool's event; an
      // instance listens all the same, as the store's documentation asks.
      down.on("error", () => undefined);
      const store = createPostgresCaptureStore(down, { maxCapturesPerBin: 10 });
      try {
        const error = await refusal(store.insertAll([captureRow()]));
        expect(error).toBeInstanceOf(StorageUnavailableError);
        expect(error).toMatchObject({ status: 503, code: "service_unavailable", headers: { "Retry-After": "5" } });
        expect((error as Error).cause).toMatchObject({ code: "ECONNREFUSED" });
        expect(await refusal(store.expireCaptures(ulid(), 10))).toBeInstanceOf(StorageUnavailableError);
        expect(await refusal(store.deleteIdleBin("x", 0, ulid()))).toBeInstanceOf(StorageUnavailableError);

        // Through the group-commit writer: every caller of the group gets the 503, and the
        // writer does not try the rows one by one against a database that is down.
        let groups = 0;
        const counting: CaptureWriter = {
          insertAll(rows) {
            groups += 1;
            return store.insertAll(rows);
          },
        };
        const writer = new GroupCommitWriter(counting, { maxPending: 100 });
        const results = await Promise.allSettled([1, 2, 3].map(() => writer.write(captureRow())));
        expect(results.map((result) => result.status === "rejected" && result.reason instanceof StorageUnavailableError)).toEqual([true, true, true]);
        expect(groups).toBe(1);
      } finally {
        store.close();
        await down.end();
      }
    });

    it("sheds when no connection is free within its timeout, even from a pool that would wait for ever", async () => {
      const small = newPool(url, { max: 1 });
      const store = createPostgresCaptureStore(small, { maxCapturesPerBin: 10, timeoutMs: 200 });
      const held = await small.connect();
      try {
        const binId = await createBin(pool);
        expect(await refusal(store.insertAll([captureRow({ binId })]))).toBeInstanceOf(StorageUnavailableError);
        held.release();
        // The connection freed meanwhile was not kept by the abandoned wait: the store gets it.
        expect((await store.insertAll([captureRow({ binId })])).seqs).toEqual([1]);
      } finally {
        store.close();
        await small.end();
      }
    });

    it("sheds when its lock waits past lock_timeout, rolling back and keeping the connection usable", async () => {
      const store = createPostgresCaptureStore(pool, { maxCapturesPerBin: 10, timeoutMs: 200 });
      const binId = await createBin(pool);
      const holder = await pool.connect();
      try {
        await holder.query("BEGIN");
        await holder.query(`SELECT 1 FROM "Bin" WHERE "id" = $1 FOR UPDATE`, [binId]);
        const error = await refusal(store.insertAll([captureRow({ binId })]));
        expect(error).toBeInstanceOf(StorageUnavailableError);
        expect((error as Error).cause).toMatchObject({ code: "55P03" });
        await holder.query("ROLLBACK");
      } finally {
        holder.release();
      }
      expect((await store.insertAll([captureRow({ binId })])).seqs).toEqual([1]);
      store.close();
    });

    it("sheds a statement that runs past statement_timeout", async () => {
      const store = createPostgresCaptureStore(pool, { maxCapturesPerBin: 10, timeoutMs: 200 });
      const binId = await createBin(pool);
      // A trigger that sleeps on marked rows stands in for a database too slow to answer.
      await pool.query(`
        CREATE OR REPLACE FUNCTION "testSlowInsert"() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW."method" = 'SLOW' THEN PERFORM pg_sleep(2); END IF; RETURN NEW; END $$;
        CREATE OR REPLACE TRIGGER "testSlowInsert" BEFORE INSERT ON "CapturedRequest" FOR EACH ROW EXECUTE FUNCTION "testSlowInsert"();`);
      try {
        const error = await refusal(store.insertAll([captureRow({ binId, method: "SLOW" })]));
        expect(error).toBeInstanceOf(StorageUnavailableError);
        expect((error as Error).cause).toMatchObject({ code: "57014" });
        expect((await store.insertAll([captureRow({ binId })])).seqs).toEqual([1]);
      } finally {
        await pool.query(`DROP TRIGGER "testSlowInsert" ON "CapturedRequest"`);
        store.close();
      }
    });

    it("gives /api/health a trial write that commits, leaving nothing behind, and fails while the database cannot be reached", async () => {
      const store = createPostgresCaptureStore(pool, { maxCapturesPerBin: 10 });
      // As the server does at start-up (app-server.ts, through storage.health).
      registerStorageProbe(() => store.probeWrite());
      try {
        const now = Date.now();
        markStorageFull("full", now);
        // Trial writes are at most once a second: asked as of a moment later.
        expect(await storageStatus(now + 1_500)).toEqual({ ok: true });
        expect((await pool.query(`SELECT 1 FROM "Bin" WHERE "id" LIKE '~storage-probe~%'`)).rowCount).toBe(0);
      } finally {
        store.close();
        markStorageWritable();
      }
      const down = new pg.Pool({ host: "127.0.0.1", port: await freePort(), user: "hookyard", password: "unused", database: "hookyard" });
      down.on("error", () => undefined);
      const unreachable = createPostgresCaptureStore(down, { maxCapturesPerBin: 10 });
      registerStorageProbe(() => unreachable.probeWrite());
      try {
        const now = Date.now();
        markStorageFull("full", now);
        expect(await storageStatus(now + 1_500)).toMatchObject({ ok: false, storage: "full" });
      } finally {
        unreachable.close();
        registerStorageProbe(null);
        markStorageWritable();
        await down.end();
      }
    });

    it("gets a new connection after the database ended the ones it held (a restart), and writes again", async () => {
      const own = newPool(url, { max: 2, application_name: "hookyard-restart-test" });
      const store = createPostgresCaptureStore(own, { maxCapturesPerBin: 10 });
      try {
        const binId = await createBin(pool);
        await store.insertAll([captureRow({ binId })]);
        const dropped = once(own, "error");
        const { rows } = await pool.query<{ ended: boolean }>(
          `SELECT pg_terminate_backend(pid) AS "ended" FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
          ["hookyard-restart-test"],
        );
        expect(rows.some((row) => row.ended)).toBe(true);
        const [error] = (await dropped) as [Error & { code?: string }];
        expect(error.code).toBe("57P01");
        expect((await store.insertAll([captureRow({ binId })])).seqs).toEqual([2]);
      } finally {
        store.close();
        await own.end();
      }
    });
  });
});

/** Waits until some backend of the database is blocked on a lock `holder`'s backend holds. */
async function waitUntilBlocked(pool: pg.Pool, holder: pg.PoolClient): Promise<void> {
  const { rows } = await holder.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  const holderPid = rows[0]!.pid;
  for (let tries = 0; tries < 500; tries++) {
    const blocked = await pool.query(`SELECT 1 FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`, [holderPid]);
    if ((blocked.rowCount ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("nothing became blocked on the holder's lock");
}

/** Waits until at least `count` backends of the database wait for a lock (a row's, a transaction's or an advisory one). */
async function waitForLockWaits(pool: pg.Pool, count: number): Promise<void> {
  for (let tries = 0; tries < 500; tries++) {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS "n" FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if (rows[0]!.n >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`fewer than ${count} backends ever waited for a lock`);
}
