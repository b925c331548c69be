import Database from "better-sqlite3";
import { captureBytes, captureCounts } from "../capture-counts.ts";
import { StorageFullError, isStorageFull, markStorageFull, markStorageWritable } from "../storage-health.ts";
import { type CaptureRow, type CaptureWriter, type CaptureWriterOptions, type Pruned, type RetentionStore } from "../storage.ts";
import { bodyLayout, captureColumns } from "../capture-rows.ts";

/** The SQLite capture writer: the interface's writer and retention steps, the health probe's trial write, and its connection to close. */
export type SqliteCaptureStore = CaptureWriter &
  RetentionStore & {
    /** A trial write while storage is marked full: true once it commits (see HealthStorage.probeWrite). */
    probeWrite(): Promise<boolean>;
    close(): void;
  };

export type CaptureStoreOptions = CaptureWriterOptions & {
  /** MAX_DATABASE_BYTES as SQLite's max_page_count on this connection; 0 or absent: no cap. */
  maxDatabaseBytes?: number;
};

/** The writer connection's page cache, in KiB (SQLite's own default). */
const writerCacheKiB = 2_000;

/** How long a group waits for the write lock (held by a Prisma transaction, say) before it fails. */
const lockWaitMs = 10_000;

/**
 * Writes captures through a connection of their own to the same SQLite file, with one
 * prepared INSERT run per row inside one synchronous transaction per group.
 *
 * Why not through Prisma: its raw-query path turns every bound Buffer into base64
 * text and keeps each distinct query, bodies included, in its query-plan cache, so
 * large bodies cost several copies and stay in memory. Everything else goes through
 * Prisma; the capture tests read rows written here back through the Prisma client.
 *
 * The connection never waits for the lock inside SQLite (that would block the event
 * loop, and with it the Prisma transaction holding the lock): a busy database is
 * retried after a short asynchronous pause.
 */
export function createSqliteCaptureStore(databaseFile: string, options: CaptureStoreOptions): SqliteCaptureStore {
  const db = new Database(databaseFile, { timeout: 0 });
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  // better-sqlite3 builds SQLite with a 16 MiB page cache per connection. This one only
  // appends and prunes (a small working set), and with a large default every 10 MiB body
  // stayed cached after its commit: measured, a 2 MiB cache took the large-body
  // benchmark's RSS growth down by about one body's size.
  db.pragma(`cache_size = -${writerCacheKiB}`);
  if (options.maxDatabaseBytes) applyMaxDatabaseBytes(db, options.maxDatabaseBytes);
  const counts = captureCounts();
  const bytes = captureBytes();
  const maxBinBytes = options.maxBinBytes ?? 0;
  const insert = db.prepare(
    `INSERT INTO "CapturedRequest" (${captureColumns.map((column) => `"${column}"`).join(", ")}) VALUES (${captureColumns.map(() => "?").join(", ")})`,
  );
  // The job's id is the capture's; it is due at once.
  const insertJob = db.prepare(
    `INSERT INTO "ForwardJob" ("id", "requestId", "binId", "target", "maxAttempts", "attempts", "state", "nextAttemptAt") VALUES (?, ?, ?, ?, ?, 0, 'pending', ?)`,
  );
  const insertEndedJob = db.prepare(
    `INSERT INTO "ForwardJob" ("id", "requestId", "binId", "target", "maxAttempts", "attempts", "state", "nextAttemptAt", "lastError") VALUES (?, ?, ?, ?, ?, 0, 'failed', ?, ?)`,
  );
  const insertChunk = db.prepare<[string, number, Buffer]>(`INSERT INTO "BodyChunk" ("requestId", "seq", "data") VALUES (?, ?, ?)`);
  // Large bodies are stored as rows of at most 256 KiB: SQLite copies a bound blob and
  // assembles the whole record before splitting it into overflow pages, so one 10 MiB
  // row costs two extra 10 MiB copies, while a chunk row costs two copies of its own
  // size. Small bodies stay inline so the common capture is one row.
  /** The capture row, then its body's chunk rows when it is too large to sit inline. */
  const insertCapture = (row: CaptureRow, seq: number) => {
    const { inline, chunks } = bodyLayout(row, options);
    insert.run(captureColumns.map((column) => (column === "body" ? inline : column === "seq" ? seq : row[column])));
    chunks?.forEach((piece, index) => insertChunk.run(row.id, index, piece));
  };
  // Taking the numbers and bumping `lastSeq` is one statement inside the group's
  // transaction, so numbers follow commit order and a rolled-back group takes none.
  const takeSeqs = db.prepare<[number, string], number>(`UPDATE "Bin" SET "lastSeq" = "lastSeq" + ? WHERE "id" = ? RETURNING "lastSeq"`).pluck();
  const countBin = db.prepare<[string], number>(`SELECT count(*) FROM "CapturedRequest" WHERE "binId" = ?`).pluck();
  const sumBin = db.prepare<[string], number>(`SELECT coalesce(sum("size"), 0) FROM "CapturedRequest" WHERE "binId" = ?`).pluck();
  // These walk the (binId, seq) key only as far as the rows they remove: no count or sum per capture.
  const nthOldest = db.prepare<[string, number], number>(`SELECT "seq" FROM "CapturedRequest" WHERE "binId" = ? ORDER BY "seq" LIMIT 1 OFFSET ?`).pluck();
  const oldestFirst = db.prepare<[string], { seq: number; size: number }>(`SELECT "seq", "size" FROM "CapturedRequest" WHERE "binId" = ? ORDER BY "seq"`);
  const deleteThrough = db.prepare<[string, number]>(`DELETE FROM "CapturedRequest" WHERE "binId" = ? AND "seq" <= ?`);
  const deleteThroughSized = db.prepare<[string, number], number>(`DELETE FROM "CapturedRequest" WHERE "binId" = ? AND "seq" <= ? RETURNING "size"`).pluck();

  type Held = { count: number; bytes: number };

  /**
   * The newest capture to remove so the bin holds at most `limit` captures and
   * `maxBinBytes` body bytes, walking from its oldest; undefined when the bin holds
   * fewer rows than `held` says (a deletion elsewhere raced the remembered figures).
   */
  const cutFor = (binId: string, held: Held, limit: number): number | undefined => {
    if (maxBinBytes === 0 || held.bytes <= maxBinBytes) return nthOldest.get(binId, held.count - limit - 1);
    const excessRows = held.count - limit;
    const excessBytes = held.bytes - maxBinBytes;
    let rows = 0;
    let freed = 0;
    for (const row of oldestFirst.iterate(binId)) {
      rows += 1;
      freed += row.size;
      if (rows >= excessRows && freed >= excessBytes) return row.seq;
    }
    return undefined;
  };

  /** Brings the bin down to `limit` captures and maxBinBytes; `held` is what it holds now. Answers what it holds after, and what went. */
  const prune = (binId: string, held: Held, limit: number): { held: Held; pruned: Pruned | null } => {
    if (held.count <= limit && (maxBinBytes === 0 || held.bytes <= maxBinBytes)) return { held, pruned: null };
    const throughSeq = cutFor(binId, held, limit);
    if (throughSeq === undefined) {
      // The remembered figures were too high (a deletion raced them): count once and retry.
      return prune(binId, measure(binId), limit);
    }
    if (maxBinBytes === 0) {
      const { changes } = deleteThrough.run(binId, throughSeq);
      return { held: { count: held.count - changes, bytes: 0 }, pruned: { binId, throughSeq, removed: changes } };
    }
    const sizes = deleteThroughSized.all(binId, throughSeq);
    const freed = sizes.reduce((total, size) => total + size, 0);
    return { held: { count: held.count - sizes.length, bytes: held.bytes - freed }, pruned: { binId, throughSeq, removed: sizes.length } };
  };

  const measure = (binId: string): Held => ({ count: countBin.get(binId) ?? 0, bytes: maxBinBytes === 0 ? 0 : (sumBin.get(binId) ?? 0) });

  /** Takes each bin's numbers for the group; answers the next number for each bin. */
  const numberGroup = (rows: readonly CaptureRow[]): Map<string, number> => {
    const perBin = new Map<string, number>();
    for (const row of rows) perBin.set(row.binId, (perBin.get(row.binId) ?? 0) + 1);
    const next = new Map<string, number>();
    for (const [binId, taken] of perBin) {
      const last = takeSeqs.get(taken, binId);
      if (last === undefined) throw new Error(`capture for bin ${binId}: the bin no longer exists`);
      next.set(binId, last - taken + 1);
    }
    return next;
  };

  const insertGroup = db.transaction((rows: readonly CaptureRow[]) => {
    const added = new Map<string, Held>();
    // The bin's settings as its newest capture in the group saw them.
    const limits = new Map<string, number>();
    const next = numberGroup(rows);
    const seqs: number[] = [];
    for (const row of rows) {
      const seq = next.get(row.binId)!;
      next.set(row.binId, seq + 1);
      seqs.push(seq);
      insertCapture(row, seq);
      const job = row.forwardJob;
      if (job?.notSent !== undefined) insertEndedJob.run(row.id, row.id, row.binId, job.target, job.maxAttempts, row.receivedAt, job.notSent);
      else if (job) insertJob.run(row.id, row.id, row.binId, job.target, job.maxAttempts, row.receivedAt);
      const sum = added.get(row.binId) ?? { count: 0, bytes: 0 };
      added.set(row.binId, { count: sum.count + 1, bytes: sum.bytes + row.size });
      limits.set(row.binId, row.maxCaptures ?? options.maxCapturesPerBin);
    }
    const newHeld = new Map<string, Held>();
    const pruned: Pruned[] = [];
    for (const [binId, inserted] of added) {
      const knownCount = counts.get(binId);
      const knownBytes = maxBinBytes === 0 ? 0 : bytes.get(binId);
      // Both figures or neither: a bin seen first since start-up is measured once.
      const held =
        knownCount === undefined || knownBytes === undefined
          ? measure(binId)
          : { count: knownCount + inserted.count, bytes: maxBinBytes === 0 ? 0 : knownBytes + inserted.bytes };
      const result = prune(binId, held, limits.get(binId) ?? options.maxCapturesPerBin);
      newHeld.set(binId, result.held);
      if (result.pruned) pruned.push(result.pruned);
    }
    return { newHeld, pruned, seqs };
  });

  const expireOldest = db.prepare<[string, number], { binId: string; seq: number; receivedAt: number | bigint; size: number }>(
    `DELETE FROM "CapturedRequest" WHERE "id" IN (SELECT "id" FROM "CapturedRequest" WHERE "id" < ? ORDER BY "id" LIMIT ?) RETURNING "binId", "seq", "receivedAt", "size"`,
  );
  const bumpLastUsed = db.prepare<[number, string, number]>(`UPDATE "Bin" SET "lastUsedAt" = ? WHERE "id" = ? AND ("lastUsedAt" IS NULL OR "lastUsedAt" < ?)`);
  const expireGroup = db.transaction((beforeId: string, limit: number) => {
    const byBin = new Map<string, { throughSeq: number; removed: number; freed: number; newestAt: number }>();
    for (const row of expireOldest.all(beforeId, limit)) {
      const seen = byBin.get(row.binId);
      const receivedAt = Number(row.receivedAt);
      if (!seen) byBin.set(row.binId, { throughSeq: row.seq, removed: 1, freed: row.size, newestAt: receivedAt });
      else {
        seen.removed += 1;
        seen.freed += row.size;
        seen.throughSeq = Math.max(seen.throughSeq, row.seq);
        seen.newestAt = Math.max(seen.newestAt, receivedAt);
      }
    }
    for (const [binId, { newestAt }] of byBin) bumpLastUsed.run(newestAt, binId, newestAt);
    return byBin;
  });
  const stampUnused = db.prepare<[number]>(`UPDATE "Bin" SET "lastUsedAt" = ? WHERE "lastUsedAt" IS NULL`);
  const idleCandidates = db.prepare<[number, number], { binId: string; newestId: string | null }>(
    `SELECT "id" AS "binId", (SELECT "id" FROM "CapturedRequest" WHERE "binId" = "Bin"."id" ORDER BY "seq" DESC LIMIT 1) AS "newestId"
       FROM "Bin" WHERE "lastUsedAt" < ? ORDER BY "lastUsedAt" LIMIT ?`,
  );
  const deleteIdle = db.prepare<[string, number, string, string]>(
    `DELETE FROM "Bin" WHERE "id" = ? AND "lastUsedAt" < ?
       AND NOT EXISTS (SELECT 1 FROM "CapturedRequest" WHERE "binId" = ? AND "id" >= ?)`,
  );

  /**
   * Runs `write` inside a write transaction. The connection never waits for the lock
   * inside SQLite (that would block the event loop): a busy database is retried after
   * a short asynchronous pause.
   */
  const withWriteLock = async <Result>(write: () => Result): Promise<Result> => {
    const deadline = Date.now() + lockWaitMs;
    for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
      try {
        const result = write();
        markStorageWritable();
        return result;
      } catch (error) {
        if (isStorageFull(error)) {
          const refused = new StorageFullError(error);
          markStorageFull(refused.reason);
          throw refused;
        }
        if (!isBusy(error) || Date.now() > deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  };

  // A trial write for /api/health while storage is full: a row large enough to need
  // fresh pages, committed and gone in one transaction (no reader ever sees it), so it
  // succeeds only once a capture could be stored again.
  const probeId = `~storage-probe~${"x".repeat(2 * (db.pragma("page_size", { simple: true }) as number))}`;
  const insertProbe = db.prepare<[string]>(`INSERT INTO "Bin" ("id") VALUES (?)`);
  const deleteProbe = db.prepare<[string]>(`DELETE FROM "Bin" WHERE "id" = ?`);
  const probeWrite = db.transaction(() => {
    insertProbe.run(probeId);
    deleteProbe.run(probeId);
  });

  return {
    async probeWrite() {
      try {
        await withWriteLock(() => probeWrite.immediate());
        return true;
      } catch (error) {
        if (!(error instanceof StorageFullError)) console.error("[storage] trial write failed", error);
        return false;
      }
    },
    async insertAll(rows) {
      if (rows.length === 0) return { seqs: [], pruned: [] };
      const { newHeld, pruned, seqs } = await withWriteLock(() => insertGroup.immediate(rows));
      // Only once committed: a rolled-back group changed nothing.
      for (const [binId, held] of newHeld) {
        counts.set(binId, held.count);
        if (maxBinBytes > 0) bytes.set(binId, held.bytes);
      }
      return { seqs, pruned };
    },
    async expireCaptures(beforeId, limit) {
      const byBin = await withWriteLock(() => expireGroup.immediate(beforeId, limit));
      const pruned: Pruned[] = [];
      for (const [binId, { throughSeq, removed, freed }] of byBin) {
        const known = counts.get(binId);
        if (known !== undefined) counts.set(binId, Math.max(0, known - removed));
        const knownBytes = bytes.get(binId);
        if (knownBytes !== undefined) bytes.set(binId, Math.max(0, knownBytes - freed));
        pruned.push({ binId, throughSeq, removed });
      }
      return pruned;
    },
    async stampUnusedBins(now) {
      await withWriteLock(() => stampUnused.run(now));
    },
    async idleBinCandidates(usedBefore, limit) {
      return idleCandidates.all(usedBefore, limit);
    },
    async markBinUsed(binId, usedAt) {
      await withWriteLock(() => bumpLastUsed.run(usedAt, binId, usedAt));
    },
    async deleteIdleBin(binId, usedBefore, beforeId) {
      const { changes } = await withWriteLock(() => deleteIdle.run(binId, usedBefore, binId, beforeId));
      if (changes > 0) {
        counts.delete(binId);
        bytes.delete(binId);
      }
      return changes > 0;
    },
    close() {
      db.close();
    },
  };
}

/**
 * Caps the file through this connection (max_page_count is per connection; Prisma's
 * gets the same in client.ts). SQLite then answers SQLITE_FULL past it, as on a full disk.
 * A file already larger keeps its size as the cap: SQLite never sets it lower.
 */
export function applyMaxDatabaseBytes(db: Database.Database, maxBytes: number): void {
  const pageSize = db.pragma("page_size", { simple: true }) as number;
  db.pragma(`max_page_count = ${Math.max(1, Math.floor(maxBytes / pageSize))}`);
}

function isBusy(error: unknown): boolean {
  return error instanceof Database.SqliteError && (error.code === "SQLITE_BUSY" || error.code === "SQLITE_LOCKED");
}
