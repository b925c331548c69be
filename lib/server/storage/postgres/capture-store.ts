import { randomBytes, randomUUID } from "node:crypto";
import type pg from "pg";
import { forgetCaptureCount } from "../capture-counts.ts";
import { StorageFullError, StorageUnavailableError, markStorageWritable, storageRefusal } from "../storage-health.ts";
import { type CaptureRow, type CaptureWriter, type CaptureWriterOptions, type Committed, type Pruned, type RetentionStore } from "../storage.ts";
import { bodyLayout, captureColumns } from "../capture-rows.ts";

/** The PostgreSQL capture writer: the interface's writer and retention steps, and the health probe's trial write. */
export type PostgresCaptureStore = CaptureWriter &
  RetentionStore & {
    /** A trial write while storage is marked full: true once it commits (see HealthStorage.probeWrite). */
    probeWrite(): Promise<boolean>;
    close(): void;
  };

export type PostgresCaptureStoreOptions = CaptureWriterOptions & {
  /**
   * Capture notices for the live bus: when set, each group's transaction sends
   * `pg_notify(channel, payloadSql)` once per bin it wrote to, before COMMIT, so a notice
   * exists exactly when the captures committed (PostgreSQL delivers notices only at
   * commit, in commit order). `payloadSql` is an SQL expression over the columns
   * `"binId"` and `"lastSeq"` (the bin's highest `seq` in the group): the writer learns
   * the numbers inside its transaction, and sends the whole group in one round trip.
   */
  notify?: { channel: string; payloadSql: string };
  /**
   * The `statement_timeout` of the store's transactions (their `lock_timeout` is half of
   * it) and the longest wait for a connection from the pool: past it the call fails
   * with StorageUnavailableError (503) instead of hanging. 10 s unless set.
   */
  timeoutMs?: number;
};

const defaultTimeoutMs = 10_000;

/** PostgreSQL takes at most 65,535 bind parameters per statement; rows are sent in slices below that. */
const maxParameters = 65_535;

const jobColumns = ["id", "requestId", "binId", "target", "maxAttempts", "attempts", "state", "nextAttemptAt", "lastError"] as const;

type Value = string | number | Buffer | null;

/** The columns a writer fills from the row itself: all but `seq`, which the database computes. */
const captureColumnsWritten = captureColumns.filter((column): column is Exclude<(typeof captureColumns)[number], "seq"> => column !== "seq");

/** Each written column's type, for the array that carries it (typed here, since `unnest` has no target column to take it from). */
const captureColumnTypes: Record<(typeof captureColumnsWritten)[number], string> = {
  id: "text",
  binId: "text",
  method: "text",
  path: "text",
  query: "text",
  url: "text",
  headers: "text",
  contentType: "text",
  body: "text", // base64, see insertCaptures
  size: "int",
  ip: "text",
  receivedAt: "bigint",
  signatureProvider: "text",
  signatureStatus: "text",
  signatureReason: "text",
  answerStatus: "int",
  answerBy: "text",
  answerRule: "int",
};

/** Locks bins in id order (ORDER BY comes before the lock). */
const lockBins = `SELECT "id" FROM "Bin" WHERE "id" = ANY($1::text[]) ORDER BY "id" FOR NO KEY UPDATE`;

/** Takes each bin's numbers for the group under its row lock: answers each bin's `lastSeq` after the group, and its creation time. */
const numberBins = `
  UPDATE "Bin" SET "lastSeq" = "Bin"."lastSeq" + "t"."n" FROM unnest($1::text[], $2::int[]) AS "t"("id", "n")
   WHERE "Bin"."id" = "t"."id" RETURNING "Bin"."id", "Bin"."lastSeq", "Bin"."createdAt"::text AS "createdAt"`;

/**
 * The group's captures in one statement of constant text, so it is parsed once per
 * connection: one array per column, plus each row's `back`, how many of its bin's rows
 * follow it in the group. Bodies travel as base64 text, decoded to bytea by the
 * database: `pg` would write a Buffer inside an array as hex, twice its size, and
 * writing the group to the socket is a large part of a capture's cost. Its
 * place is the bin's `lastSeq`, already raised in this transaction, minus `back`. A bin
 * deleted meanwhile has no row: `seq` comes out null and the statement fails.
 */
const insertCaptures = `
  INSERT INTO "CapturedRequest" (${captureColumns.map((column) => `"${column}"`).join(", ")})
  SELECT ${captureColumns.map((column) => (column === "seq" ? `"Bin"."lastSeq" - "r"."back"` : column === "body" ? `decode("r"."body", 'base64')` : `"r"."${column}"`)).join(", ")}
    FROM unnest(${[...captureColumnsWritten.map((column) => captureColumnTypes[column]), "int"].map((type, index) => `$${index + 1}::${type}[]`).join(", ")})
         AS "r"(${[...captureColumnsWritten, "back"].map((column) => `"${column}"`).join(", ")})
    LEFT JOIN "Bin" ON "Bin"."id" = "r"."binId"`;

/** A bin's numbers after a group: its `lastSeq`, and its creation time (which tells one bin from another made later under the same id). */
type Numbered = { lastSeq: number; createdAt: string };

/**
 * `INSERT INTO table (columns) VALUES (…), (…)` with numbered parameters, split into
 * statements below PostgreSQL's parameter limit. Values are bound, never spliced into
 * the text: `pg` sends a Buffer as a binary parameter, so a body reaches a bytea column
 * byte for byte with no text encoding. With VALUES in an INSERT, PostgreSQL types each
 * parameter from its target column.
 */
function insertValues(table: string, columns: readonly string[], rows: readonly Value[][]): Statement[] {
  const perStatement = Math.floor(maxParameters / columns.length);
  const head = `INSERT INTO "${table}" (${columns.map((column) => `"${column}"`).join(", ")}) VALUES `;
  const statements: Statement[] = [];
  for (let start = 0; start < rows.length; start += perStatement) {
    const slice = rows.slice(start, start + perStatement);
    const tuples: string[] = [];
    const values: Value[] = [];
    for (const row of slice) {
      tuples.push(`(${row.map((value) => (values.push(value), `$${values.length}`)).join(", ")})`);
    }
    statements.push({ text: head + tuples.join(", "), values });
  }
  return statements;
}

/** `name`: a statement whose text never changes, prepared once per connection and planned from then on without parsing. */
type Statement = { name?: string; text: string; values?: readonly unknown[] };

/**
 * Runs the statements in order on one connection and answers their results. A client in
 * pipeline mode (the driver's pool) gets them all written at once: one round trip instead
 * of one each, which on a busy two-core machine is most of a group's time. Once one
 * fails, the rest fail too (PostgreSQL refuses statements in a failed transaction, and
 * COMMIT then rolls back): the first failure is thrown, after every one has answered.
 */
async function runInOrder(client: pg.PoolClient, statements: readonly Statement[]): Promise<pg.QueryResult[]> {
  const run = ({ name, text, values }: Statement) => client.query({ ...(name ? { name } : {}), text, ...(values ? { values: [...values] } : {}) });
  if (!(client as { pipeline?: boolean }).pipeline) {
    const results: pg.QueryResult[] = [];
    for (const statement of statements) results.push(await run(statement));
    return results;
  }
  const settled = await Promise.allSettled(statements.map(run));
  const failed = settled.find((outcome) => outcome.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<pg.QueryResult>).value);
}

/**
 * The start both prune statements share: per bin, its limit, its `lastSeq` after the
 * group (read in the group's transaction, which raised it), its floor (`$3`, trusted
 * only while the bin is the one it was remembered for: `$4`, its creation time), and its
 * oldest capture above the floor (one index probe).
 */
const pruneBins = `
  "bin" AS MATERIALIZED (
    SELECT "b"."id", "b"."keep", "b"."floor", "b"."last",
           (SELECT min("o"."seq") FROM "CapturedRequest" AS "o" WHERE "o"."binId" = "b"."id" AND "o"."seq" > "b"."floor") AS "oldest"
      FROM (
        SELECT "u"."id", "u"."keep", "Bin"."lastSeq" AS "last",
               CASE WHEN "Bin"."createdAt"::text = "u"."floorOf" THEN "u"."floor" ELSE 0 END AS "floor"
          FROM unnest($1::text[], $2::int[], $3::int[], $4::text[]) AS "u"("id", "keep", "floor", "floorOf")
          JOIN "Bin" ON "Bin"."id" = "u"."id"
      ) AS "b"
  )`;

/** The end both prune statements share: delete from above the floor through the cut, and answer per bin. */
const pruneAndAnswer = `
  "gone" AS (
    DELETE FROM "CapturedRequest" AS "r" USING "cut"
     WHERE "r"."binId" = "cut"."id" AND "r"."seq" > "cut"."floor" AND "r"."seq" <= "cut"."seq"
     RETURNING "r"."binId", "r"."seq"
  ), "perBin" AS (
    SELECT "binId", count(*)::int AS "removed", max("seq") AS "throughSeq" FROM "gone" GROUP BY "binId"
  )
  SELECT "bin"."id" AS "binId", "bin"."oldest", coalesce("perBin"."removed", 0) AS "removed", "perBin"."throughSeq"
    FROM "bin" LEFT JOIN "perBin" ON "perBin"."binId" = "bin"."id"`;

/**
 * Each bin is brought down to its newest `keep` captures: the cut is the (keep+1)th
 * newest, found by walking the (binId, seq) key from the newest end, and the captures
 * from just above `floor` through the cut go. The walk is skipped when the bin's oldest
 * capture (one index probe) is within `keep` places of `last` (its lastSeq), since it
 * cannot hold more then: a bin below its limit costs no walk however large the limit.
 * Measured and cut in one statement, so in one snapshot, under the bins' row locks that
 * the group holds: no writer of the bin can add to it meanwhile, whichever instance it
 * runs in. Answers one row per bin: what went (0 and null when nothing), and its oldest
 * capture before the cut, which tells the next group a higher floor.
 *
 * `floor` is a place at or below which the bin is known to hold nothing (see
 * `PruneFloors`). Without it the probe, the DELETE and (for a bin under its limit) the
 * walk would run on to the oldest end of the key, through the index entries of every
 * capture pruned since the last VACUUM: at thousands of captures a second, hundreds of
 * thousands of dead entries per group.
 *
 * The CTEs are MATERIALIZED: inlined into the DELETE, the planner may (and on a table with
 * no statistics yet, did) re-run the walk once per capture of the bin.
 */
const pruneByCount = `
  WITH ${pruneBins}, "cut" AS MATERIALIZED (
    SELECT "bin"."id", "bin"."floor", "c"."seq"
      FROM "bin"
      CROSS JOIN LATERAL (
        SELECT "r"."seq" FROM "CapturedRequest" AS "r"
         WHERE "r"."binId" = "bin"."id" AND "r"."seq" > "bin"."floor"
         ORDER BY "r"."seq" DESC OFFSET "bin"."keep" LIMIT 1
      ) AS "c"
     WHERE "bin"."oldest" <= "bin"."last" - "bin"."keep"
  ), ${pruneAndAnswer}`;

/**
 * With MAX_BIN_BYTES as well: the newest captures are walked with a running count and
 * a running sum of their sizes, and the first one past either limit is the cut (it and
 * everything older goes). Keeping the longest newest run that fits is removing the
 * shortest oldest run that must go, as the SQLite store does. The walk stops at the cut,
 * or else reads what the bin holds (no cheaper way to know its bytes), which its count
 * limit bounds. One statement under the bins' row locks, bounded below by `floor`, with
 * the same answer, as above.
 */
const pruneByCountAndBytes = `
  WITH ${pruneBins}, "cut" AS MATERIALIZED (
    SELECT "bin"."id", "bin"."floor", "c"."seq"
      FROM "bin"
      CROSS JOIN LATERAL (
        SELECT "x"."seq" FROM (
          SELECT "r"."seq", row_number() OVER "o" AS "n", sum("r"."size") OVER "o" AS "bytes"
            FROM "CapturedRequest" AS "r" WHERE "r"."binId" = "bin"."id" AND "r"."seq" > "bin"."floor"
          WINDOW "o" AS (ORDER BY "r"."seq" DESC ROWS UNBOUNDED PRECEDING)
        ) AS "x"
         WHERE "x"."n" > "bin"."keep" OR "x"."bytes" > $5::bigint
         ORDER BY "x"."seq" DESC LIMIT 1
      ) AS "c"
  ), ${pruneAndAnswer}`;

/** Bins whose floor one store remembers; beyond it the least recently pruned is forgotten (it then starts from 0 once). */
const maxRememberedFloors = 10_000;

/**
 * For each bin, a place at or below which it holds nothing: the highest cut this
 * process has committed for it, or just below the oldest capture a committed group saw
 * it hold. Always true, with any number of writers: a cut removes every capture at or
 * below it, deletions only remove, and new captures are numbered above `lastSeq`, so
 * nothing at or below such a place ever exists again. Another instance's cuts only
 * make it lower than it could be, which costs some dead index entries, never a wrong
 * prune. Kept with the bin's creation time, so a bin deleted and made again under the
 * same id (a declared bin) starts over from 0.
 */
class PruneFloors {
  private readonly floors = new Map<string, { createdAt: string; seq: number }>();

  get(binId: string, createdAt: string): number {
    const known = this.floors.get(binId);
    return known && known.createdAt === createdAt ? known.seq : 0;
  }

  /** The floor remembered for a bin and the creation time it holds for (null: none), for a statement to check against the bin's row. */
  remembered(binId: string): { createdAt: string | null; seq: number } {
    return this.floors.get(binId) ?? { createdAt: null, seq: 0 };
  }

  /** Call only once the group that saw it committed: a floor above a capture still stored would hide it from pruning. */
  raise(binId: string, createdAt: string, seq: number): void {
    const floor = Math.max(seq, this.get(binId, createdAt));
    // Re-inserted, so the map's order is least recently pruned first.
    this.floors.delete(binId);
    this.floors.set(binId, { createdAt, seq: floor });
    if (this.floors.size > maxRememberedFloors) this.floors.delete(this.floors.keys().next().value!);
  }
}

/**
 * Locks the bins of the oldest captures below an id (ORDER BY before FOR NO KEY UPDATE:
 * rows are locked in id order, the order every writer takes bins in), so the expiry
 * that follows takes bin, then capture locks, like a writer that prunes; the other
 * order could deadlock against it.
 */
const lockBinsToExpire = `
  SELECT "id" FROM "Bin"
   WHERE "id" IN (SELECT "binId" FROM "CapturedRequest" WHERE "id" < $1 ORDER BY "id" LIMIT $2)
   ORDER BY "id" FOR NO KEY UPDATE`;

/**
 * Deletes the oldest captures below an id, of the bins locked above only, skipping rows
 * another transaction holds (a deletion through the API, another sweeper), and records
 * on each bin the newest arrival removed as a use of it.
 */
const expire = `
  WITH "gone" AS (
    DELETE FROM "CapturedRequest"
     WHERE "id" IN (
       SELECT "id" FROM "CapturedRequest" WHERE "id" < $1 AND "binId" = ANY($3::text[]) ORDER BY "id" LIMIT $2 FOR UPDATE SKIP LOCKED
     )
     RETURNING "binId", "seq", "receivedAt"
  ), "perBin" AS (
    SELECT "binId", count(*)::int AS "removed", max("seq") AS "throughSeq", max("receivedAt") AS "newestAt" FROM "gone" GROUP BY "binId"
  ), "used" AS (
    UPDATE "Bin" SET "lastUsedAt" = "perBin"."newestAt" FROM "perBin"
     WHERE "Bin"."id" = "perBin"."binId" AND ("Bin"."lastUsedAt" IS NULL OR "Bin"."lastUsedAt" < "perBin"."newestAt")
  )
  SELECT "binId", "removed", "throughSeq" FROM "perBin"`;

/**
 * The capture writer and retention store on PostgreSQL, with the observable behaviour
 * of the SQLite one (`createSqliteCaptureStore`), correct with several instances
 * writing to one database at once:
 *
 * - One transaction per group: one multi-row INSERT for the captures, one for the body
 *   chunks of large bodies, one for forward jobs, the pruning and the notices.
 * - Numbers (`seq`) come from `Bin.lastSeq`, raised by an UPDATE in the group's own
 *   transaction. Its row lock serialises the writers of one bin until they commit, in
 *   whichever instance they run, so each bin's numbers follow commit order. Bins are
 *   locked in id order so that two groups sharing bins cannot deadlock.
 * - Pruning measures what each bin holds under that lock instead of trusting a count
 *   kept in memory: another instance inserts and deletes too. The only thing remembered
 *   is a floor under which a bin holds nothing (`PruneFloors`), which stays true
 *   whoever writes and only spares the walk through pruned index entries.
 * - Sweep steps lock bins before captures (the writers' order), skip rows others hold,
 *   and delete an idle bin only after taking its lock, so several sweepers and writers
 *   run at once safely.
 * - A database that is down, out of connections or stuck (beyond `timeoutMs`) fails the
 *   call with StorageUnavailableError (503); a full disk with StorageFullError (507).
 *
 * The pool is the caller's: `close()` stops what the store started (its storage probe)
 * and leaves the pool open. The pool's owner must listen for its `error` event: `pg`
 * reports a broken idle connection (a database restart) there, and an unheard `error`
 * event ends the process.
 */
export function createPostgresCaptureStore(pool: pg.Pool, options: PostgresCaptureStoreOptions): PostgresCaptureStore {
  const maxBinBytes = options.maxBinBytes ?? 0;
  const timeoutMs = Math.max(1, Math.floor(options.timeoutMs ?? defaultTimeoutMs));
  // A lock wait is given up sooner than a statement: a group commits in milliseconds, so
  // waiting seconds for another writer's lock means that writer (or the database) is
  // stuck. SET takes no bind parameters; the values are integers computed here.
  const begin = `BEGIN; SET LOCAL statement_timeout = ${timeoutMs}; SET LOCAL lock_timeout = ${Math.max(1, Math.floor(timeoutMs / 2))}`;
  let closed = false;
  const floors = new PruneFloors();

  /** A connection from the pool within `timeoutMs`: the pool itself may have no acquisition timeout. */
  const acquire = async (): Promise<pg.PoolClient> => {
    if (closed) throw new Error("The PostgreSQL capture store is closed.");
    const connecting = pool.connect();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`timeout exceeded when trying to connect (no connection from the pool within ${timeoutMs} ms)`)), timeoutMs);
    });
    try {
      return await Promise.race([connecting, deadline]);
    } catch (error) {
      // One that arrives after the deadline goes straight back, or it would leak.
      connecting.then(
        (late) => late.release(),
        () => undefined, // that attempt's failure is the one reported below (or moot after the deadline)
      );
      // Whatever kept us from a connection (refused, reset, the pool's own timeout, bad
      // credentials on a restarting server), nothing was written and no other call
      // would fare better right now.
      throw new StorageUnavailableError(error);
    } finally {
      clearTimeout(timer);
    }
  };

  /** The error to throw for a failed transaction: full (and marked so), unavailable, or as it was. */
  const refusal = (error: unknown): unknown => storageRefusal(error) ?? error;

  /**
   * Runs `work` in one transaction with the store's timeouts and commits it (unless
   * `work` sends the BEGIN and COMMIT itself, with its other statements: `whole`).
   * @throws StorageUnavailableError, StorageFullError, or what `work` threw (rolled back)
   */
  const inTransaction = async <Result>(work: (client: pg.PoolClient) => Promise<Result>, { whole = false } = {}): Promise<Result> => {
    const client = await acquire();
    // `pg` emits `error` on a checked-out client whose connection breaks; unheard, that
    // would end the process. The query in progress fails with it too, and is reported.
    let broken: unknown = null;
    const onError = (error: unknown) => {
      broken = error;
    };
    client.on("error", onError);
    try {
      if (!whole) await client.query(begin);
      const result = await work(client);
      if (!whole) await client.query("COMMIT");
      markStorageWritable();
      return result;
    } catch (error) {
      if (broken === null) {
        try {
          await client.query("ROLLBACK");
        } catch (rollbackError) {
          // The connection is unusable: it is destroyed below, which ends the transaction.
          broken = rollbackError;
        }
      }
      throw refusal(error);
    } finally {
      client.off("error", onError);
      // A broken connection is destroyed rather than handed to the next caller.
      client.release(broken === null ? undefined : broken instanceof Error ? broken : new Error(String(broken)));
    }
  };

  /**
   * One group in one round trip: BEGIN, the bins' locks and numbers, the rows (numbered
   * by the database from the bins' raised `lastSeq`), chunks, jobs, the prune, the
   * notices and COMMIT are written together (runInOrder) and answered together. Nothing
   * in it waits for an answer from the database: a round trip is a turn of a busy event
   * loop, and the bin's row lock is held from the numbering to the COMMIT, so every turn
   * spent inside the transaction is a turn no other writer of the bin can use.
   */
  const insertGroup = async (
    client: pg.PoolClient,
    rows: readonly CaptureRow[],
  ): Promise<{ committed: Committed; raised: { binId: string; createdAt: string; seq: number }[] }> => {
    const taken = new Map<string, number>();
    // The bin's limit as its newest capture in the group saw it.
    const limits = new Map<string, number>();
    for (const row of rows) {
      taken.set(row.binId, (taken.get(row.binId) ?? 0) + 1);
      limits.set(row.binId, row.maxCaptures ?? options.maxCapturesPerBin);
    }
    const binIds = [...taken.keys()];
    // A row's place is its bin's lastSeq after the group minus how many of the bin's rows follow it.
    const following = new Map(taken);
    const captures = captureColumnsWritten.map((): Value[] => []);
    const back: number[] = [];
    const chunks: Value[][] = [];
    const jobs: Value[][] = [];
    for (const row of rows) {
      const after = following.get(row.binId)! - 1;
      following.set(row.binId, after);
      back.push(after);
      const { inline, chunks: pieces } = bodyLayout(row, options);
      const values: Record<(typeof captureColumnsWritten)[number], Value> = { ...row, body: inline.toString("base64") };
      captureColumnsWritten.forEach((column, index) => captures[index]!.push(values[column]));
      pieces?.forEach((piece, index) => chunks.push([row.id, index, piece]));
      const job = row.forwardJob;
      // The job's id is the capture's; it is due at once (or written already failed, with its reason).
      if (job) {
        jobs.push([
          row.id,
          row.id,
          row.binId,
          job.target,
          job.maxAttempts,
          0,
          job.notSent === undefined ? "pending" : "failed",
          row.receivedAt,
          job.notSent ?? null,
        ]);
      }
    }
    const remembered = binIds.map((binId) => floors.remembered(binId));
    const statements: Statement[] = [
      { text: begin },
      // Several bins: locked first, in id order (ORDER BY comes before the lock), as every
      // writer and sweeper takes them, so two groups that share bins cannot deadlock.
      ...(binIds.length > 1 ? [{ name: "hookyard.lock-bins", text: lockBins, values: [binIds] }] : []),
      { name: "hookyard.number-bins", text: numberBins, values: [binIds, binIds.map((binId) => taken.get(binId))] },
      { name: "hookyard.insert-captures", text: insertCaptures, values: [...captures, back] },
      ...insertValues("BodyChunk", ["requestId", "seq", "data"], chunks),
      ...insertValues("ForwardJob", jobColumns, jobs),
    ];
    const numberAt = binIds.length > 1 ? 2 : 1;
    const pruneAt = statements.length;
    statements.push(
      maxBinBytes === 0
        ? {
            name: "hookyard.prune-by-count",
            text: pruneByCount,
            values: [binIds, binIds.map((binId) => limits.get(binId)), remembered.map((floor) => floor.seq), remembered.map((floor) => floor.createdAt)],
          }
        : {
            name: "hookyard.prune-by-count-and-bytes",
            text: pruneByCountAndBytes,
            values: [
              binIds,
              binIds.map((binId) => limits.get(binId)),
              remembered.map((floor) => floor.seq),
              remembered.map((floor) => floor.createdAt),
              maxBinBytes,
            ],
          },
    );
    if (options.notify) {
      statements.push({
        text: `SELECT pg_notify($1, ${options.notify.payloadSql}) FROM (SELECT "id" AS "binId", "lastSeq" FROM "Bin" WHERE "id" = ANY($2::text[])) AS "written"`,
        values: [options.notify.channel, binIds],
      });
    }
    statements.push({ text: "COMMIT" });
    let results: pg.QueryResult[];
    try {
      results = await runInOrder(client, statements);
    } catch (error) {
      // A bin deleted since its capture was accepted has no row to number from: its
      // captures' `seq` comes out null (or their bin reference dangles), and the group is refused.
      const code = (error as { code?: unknown }).code;
      if (code === "23502" || code === "23503") throw new Error("capture: a bin of the group no longer exists", { cause: error });
      throw error;
    }
    const numbered = new Map((results[numberAt]!.rows as (Numbered & { id: string })[]).map(({ id, lastSeq, createdAt }) => [id, { lastSeq, createdAt }]));
    const next = new Map([...numbered].map(([binId, { lastSeq }]) => [binId, lastSeq - taken.get(binId)! + 1]));
    const seqs = rows.map((row) => {
      const seq = next.get(row.binId)!;
      next.set(row.binId, seq + 1);
      return seq;
    });
    const perBin = results[pruneAt]!.rows as { binId: string; oldest: number | null; removed: number; throughSeq: number | null }[];
    const prunedByBin = new Map(perBin.flatMap(({ binId, throughSeq, removed }) => (throughSeq === null ? [] : [[binId, { binId, throughSeq, removed }]])));
    // In the order the bins first appear in the group, as the SQLite store answers.
    const pruned = binIds.flatMap((binId) => prunedByBin.get(binId) ?? []);
    // Raised only once committed (see `insertAll`): nothing is left at or below the cut, or below the oldest capture seen.
    const raised = perBin.flatMap(({ binId, oldest, throughSeq }) => {
      const seq = Math.max(throughSeq ?? 0, oldest === null ? 0 : oldest - 1);
      return seq > 0 ? [{ binId, createdAt: numbered.get(binId)!.createdAt, seq }] : [];
    });
    return { committed: { seqs, pruned }, raised };
  };

  // A trial write for /api/health while storage is full: `SELECT 1` would answer on a
  // full disk too, and health would clear at once. Instead a bin row carrying 64 KiB of
  // random (incompressible) text, inserted and deleted in one committed transaction
  // (no reader ever sees it): it needs fresh table or TOAST pages and WAL, as a capture
  // does. It runs only while storage is marked full, at most once a second.
  const probeWrite = async () => {
    const id = `~storage-probe~${randomUUID()}`;
    await inTransaction(async (client) => {
      await client.query(`INSERT INTO "Bin" ("id", "signatureOptions") VALUES ($1, $2)`, [id, randomBytes(48 * 1024).toString("base64")]);
      await client.query(`DELETE FROM "Bin" WHERE "id" = $1`, [id]);
    });
  };

  /**
   * The count kept in memory (capture-counts.ts) is one process's view, wrong as soon as
   * another instance writes: forgetting it makes the next reader count (findBin) rather
   * than repeat a stale figure. Pruning never reads it.
   */
  const forgetCounts = (binIds: Iterable<string>) => {
    for (const binId of binIds) forgetCaptureCount(binId);
  };

  return {
    async probeWrite() {
      try {
        await probeWrite();
        return true;
      } catch (error) {
        if (!(error instanceof StorageFullError)) console.error("[storage] trial write failed", error);
        return false;
      }
    },
    async insertAll(rows) {
      if (rows.length === 0) return { seqs: [], pruned: [] };
      const { committed, raised } = await inTransaction((client) => insertGroup(client, rows), { whole: true });
      for (const { binId, createdAt, seq } of raised) floors.raise(binId, createdAt, seq);
      forgetCounts(new Set(rows.map((row) => row.binId)));
      return committed;
    },
    async expireCaptures(beforeId, limit) {
      const pruned = await inTransaction(async (client) => {
        const { rows: locked } = await client.query<{ id: string }>(lockBinsToExpire, [beforeId, limit]);
        if (locked.length === 0) return [];
        const { rows } = await client.query<Pruned>(expire, [beforeId, limit, locked.map((bin) => bin.id)]);
        return rows.map(({ binId, throughSeq, removed }) => ({ binId, throughSeq, removed }));
      });
      forgetCounts(pruned.map((each) => each.binId));
      return pruned;
    },
    async stampUnusedBins(now) {
      await inTransaction((client) =>
        // Locked in id order, like everything else that locks several bins.
        client.query(
          `UPDATE "Bin" SET "lastUsedAt" = $1 WHERE "id" IN (SELECT "id" FROM "Bin" WHERE "lastUsedAt" IS NULL ORDER BY "id" FOR NO KEY UPDATE) AND "lastUsedAt" IS NULL`,
          [now],
        ),
      );
    },
    async idleBinCandidates(usedBefore, limit) {
      return inTransaction(async (client) => {
        const { rows } = await client.query<{ binId: string; newestId: string | null }>(
          `SELECT "id" AS "binId", (SELECT "id" FROM "CapturedRequest" WHERE "binId" = "Bin"."id" ORDER BY "seq" DESC LIMIT 1) AS "newestId"
             FROM "Bin" WHERE "lastUsedAt" < $1 ORDER BY "lastUsedAt" LIMIT $2`,
          [usedBefore, limit],
        );
        return rows;
      });
    },
    async markBinUsed(binId, usedAt) {
      await inTransaction((client) =>
        client.query(`UPDATE "Bin" SET "lastUsedAt" = $1 WHERE "id" = $2 AND ("lastUsedAt" IS NULL OR "lastUsedAt" < $1)`, [usedAt, binId]),
      );
    },
    async deleteIdleBin(binId, usedBefore, beforeId) {
      const deleted = await inTransaction(async (client) => {
        // The bin's lock first: a writer holding it commits (or rolls back) before this
        // goes on, and none can add a capture until this commits. The DELETE below is a
        // new statement, so its snapshot sees the capture that writer stored. One DELETE
        // alone would re-check only the bin row after waiting, not its captures.
        const { rowCount } = await client.query(`SELECT 1 FROM "Bin" WHERE "id" = $1 FOR UPDATE`, [binId]);
        if (!rowCount) return false;
        const deletion = await client.query(
          `DELETE FROM "Bin" WHERE "id" = $1 AND "lastUsedAt" < $2
             AND NOT EXISTS (SELECT 1 FROM "CapturedRequest" WHERE "binId" = $1 AND "id" >= $3)`,
          [binId, usedBefore, beforeId],
        );
        return (deletion.rowCount ?? 0) > 0;
      });
      if (deleted) forgetCounts([binId]);
      return deleted;
    },
    close() {
      closed = true;
    },
  };
}
