import Database from "better-sqlite3";
import type { StoredVerdict } from "./signature-checks.ts";

/** One captured request as it is written: the row of `CapturedRequest`. */
export type CaptureRow = {
  id: string;
  binId: string;
  method: string;
  path: string;
  query: string;
  url: string;
  /** JSON of the ordered [name, value] pairs. */
  headers: string;
  contentType: string | null;
  body: Buffer;
  size: number;
  ip: string;
  receivedAt: number;
  /** Set when the bin auto-forwards: its job is written in the capture's own transaction. */
  forwardJob?: { target: string; maxAttempts: number };
} & StoredVerdict;

/** Where captures are written, all rows or none. The seam a PostgreSQL backend would fill. */
export type CaptureStore = {
  insertAll(rows: readonly CaptureRow[]): Promise<void>;
  close(): void;
};

const columns = [
  "id",
  "binId",
  "method",
  "path",
  "query",
  "url",
  "headers",
  "contentType",
  "body",
  "size",
  "ip",
  "receivedAt",
  "signatureProvider",
  "signatureStatus",
  "signatureReason",
] as const satisfies readonly (keyof CaptureRow)[];

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
export function createSqliteCaptureStore(databaseFile: string): CaptureStore {
  const db = new Database(databaseFile, { timeout: 0 });
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  const insert = db.prepare(
    `INSERT INTO "CapturedRequest" (${columns.map((column) => `"${column}"`).join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
  );
  // The job's id is the capture's; it is due at once.
  const insertJob = db.prepare(
    `INSERT INTO "ForwardJob" ("id", "requestId", "binId", "target", "maxAttempts", "attempts", "state", "nextAttemptAt") VALUES (?, ?, ?, ?, ?, 0, 'pending', ?)`,
  );
  const insertGroup = db.transaction((rows: readonly CaptureRow[]) => {
    for (const row of rows) {
      insert.run(columns.map((column) => row[column]));
      if (row.forwardJob) insertJob.run(row.id, row.id, row.binId, row.forwardJob.target, row.forwardJob.maxAttempts, row.receivedAt);
    }
  });

  return {
    async insertAll(rows) {
      const deadline = Date.now() + lockWaitMs;
      for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
        try {
          insertGroup.immediate(rows);
          return;
        } catch (error) {
          if (!isBusy(error) || Date.now() > deadline) throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    },
    close() {
      db.close();
    },
  };
}

function isBusy(error: unknown): boolean {
  return error instanceof Database.SqliteError && (error.code === "SQLITE_BUSY" || error.code === "SQLITE_LOCKED");
}
