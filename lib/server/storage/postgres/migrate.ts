import { randomUUID } from "node:crypto";
import pg from "pg";
import { readMigrations } from "../sqlite/migrate.ts";

/**
 * Prisma's own advisory lock key (`prisma migrate deploy` takes `pg_advisory_lock(72707369)`):
 * sharing it means our start-up and a user's `migrate deploy` wait for each other too.
 */
export const migrationLockKey = 72707369;

export type PostgresMigrationOptions = {
  /** How long to wait for another instance's migration before giving up; 60 s unless set. */
  lockTimeoutMs?: number;
};

/**
 * The PostgreSQL twin of `applyMigrations` (../migrate.ts): applies
 * `prisma/postgres/migrations/*\/migration.sql` that the database has not seen yet, in
 * name order, each in its own transaction, and records them in `_prisma_migrations` as
 * `prisma migrate deploy` does (same table, same checksums), so the real CLI sees the
 * same history. Answers the names it applied.
 *
 * Safe when several instances start at once: each migration's transaction first takes
 * `pg_advisory_xact_lock(migrationLockKey)` and checks again whether it is still pending,
 * so exactly one instance applies it and the others wait, then skip it. The lock goes
 * with the transaction, so an instance that dies mid-migration releases it (and its work
 * is rolled back). A migration must therefore be able to run inside a transaction (no
 * `CREATE INDEX CONCURRENTLY`).
 *
 * Throws if a migration fails (it stays unapplied), if an applied migration was edited
 * afterwards, if `prisma migrate deploy` recorded a failed attempt that nobody resolved,
 * or if the lock is not granted within `lockTimeoutMs`.
 */
export async function applyPostgresMigrations(
  databaseUrl: string,
  migrationsDir: string,
  { lockTimeoutMs = 60_000 }: PostgresMigrationOptions = {},
): Promise<string[]> {
  const migrations = readMigrations(migrationsDir);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const underLock = async <T>(work: () => Promise<T>): Promise<T> => {
      await client.query("BEGIN");
      try {
        // SET LOCAL takes no bind parameters; the value is a number we computed.
        await client.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(lockTimeoutMs))}`);
        await client.query("SELECT pg_advisory_xact_lock($1)", [migrationLockKey]).catch((error: unknown) => {
          throw lockTimeoutExplained(error, lockTimeoutMs);
        });
        // The migration itself may wait for table locks as long as it needs.
        await client.query("SET LOCAL lock_timeout = 0");
        const result = await work();
        await client.query("COMMIT");
        return result;
      } catch (error) {
        try {
          await client.query("ROLLBACK");
        } catch (rollbackError) {
          throw new AggregateError([error, rollbackError], "A migration transaction failed, and so did its ROLLBACK.");
        }
        throw error;
      }
    };

    // Created under the lock too: two concurrent CREATE TABLE IF NOT EXISTS can still
    // collide on the table's type name.
    await underLock(() => client.query(createHistoryTable));

    const newlyApplied: string[] = [];
    for (const migration of migrations) {
      const applied = await underLock(async () => {
        const { rows } = await client.query<{ checksum: string; finished: boolean; rolled_back: boolean }>(
          `SELECT checksum, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back
             FROM "_prisma_migrations" WHERE migration_name = $1`,
          [migration.name],
        );
        const done = rows.find((row) => row.finished && !row.rolled_back);
        if (done) {
          if (done.checksum !== migration.checksum) {
            throw new Error(`Migration ${migration.name} was modified after it was applied to this database.`);
          }
          return false;
        }
        // Our own failures roll back their record; an unfinished one comes from the Prisma
        // CLI, which runs migrations outside a transaction, so its work may be half done.
        if (rows.some((row) => !row.finished && !row.rolled_back)) {
          throw new Error(
            `Migration ${migration.name} failed earlier (recorded in _prisma_migrations by the Prisma CLI): ` +
              "repair the database, then mark it with `prisma migrate resolve --applied` or `--rolled-back`.",
          );
        }
        // The database's clock for both ends, and clock_timestamp() rather than now(),
        // which stays at the transaction's start.
        const {
          rows: [started],
        } = await client.query<{ at: Date }>("SELECT clock_timestamp() AS at");
        try {
          await client.query(migration.sql);
        } catch (error) {
          throw new Error(`Migration ${migration.name} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
        }
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, started_at, applied_steps_count)
           VALUES ($1, $2, clock_timestamp(), $3, NULL, $4, 1)`,
          [randomUUID(), migration.checksum, migration.name, started?.at],
        );
        return true;
      });
      if (applied) newlyApplied.push(migration.name);
    }
    return newlyApplied;
  } finally {
    await client.end();
  }
}

// Prisma's own definition of the history table on PostgreSQL.
const createHistoryTable = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum"            VARCHAR(64) NOT NULL,
  "finished_at"         TIMESTAMPTZ,
  "migration_name"      VARCHAR(255) NOT NULL,
  "logs"                TEXT,
  "rolled_back_at"      TIMESTAMPTZ,
  "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

function lockTimeoutExplained(error: unknown, lockTimeoutMs: number): unknown {
  if (error instanceof pg.DatabaseError && error.code === "55P03") {
    return new Error(
      `Another process held the migration lock (pg_advisory_xact_lock(${migrationLockKey})) for more than ${lockTimeoutMs} ms: ` +
        "is another instance or `prisma migrate deploy` stuck?",
      { cause: error },
    );
  }
  return error;
}
