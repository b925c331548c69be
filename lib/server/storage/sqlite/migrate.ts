import { createHash, randomUUID } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

/**
 * Applies `prisma/migrations/*\/migration.sql` that the database has not seen yet, in
 * name order, each in its own transaction, and records them in `_prisma_migrations`
 * exactly as `prisma migrate deploy` does, so the history stays compatible with the
 * real Prisma CLI. We do this ourselves because Prisma's native schema engine cannot
 * be downloaded everywhere Hookyard runs.
 *
 * Also switches the file to WAL, which is persistent and must happen before Prisma
 * connects. Throws if a migration fails (and leaves that migration unapplied) or if an
 * applied migration was edited afterwards.
 */
export function applyMigrations(databaseFile: string, migrationsDir: string): string[] {
  createPrivately(databaseFile);
  const db = new Database(databaseFile, { timeout: 10_000 });
  try {
    db.pragma("journal_mode = WAL");
    db.exec(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" TEXT PRIMARY KEY NOT NULL,
      "checksum" TEXT NOT NULL,
      "finished_at" DATETIME,
      "migration_name" TEXT NOT NULL,
      "logs" TEXT,
      "rolled_back_at" DATETIME,
      "started_at" DATETIME NOT NULL DEFAULT current_timestamp,
      "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0
    )`);

    const applied = new Map(
      db
        .prepare<[], { migration_name: string; checksum: string }>(
          `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
        )
        .all()
        .map((row) => [row.migration_name, row.checksum]),
    );

    const newlyApplied: string[] = [];
    for (const migration of readMigrations(migrationsDir)) {
      const known = applied.get(migration.name);
      if (known !== undefined) {
        if (known !== migration.checksum) {
          throw new Error(`Migration ${migration.name} was modified after it was applied to ${databaseFile}.`);
        }
        continue;
      }
      const startedAt = Date.now();
      // Prisma rebuilds a SQLite table by copying it, dropping the original and renaming
      // the copy, between `PRAGMA foreign_keys=OFF` and `ON`. Inside a transaction those
      // pragmas do nothing, and dropping a parent table with foreign keys on would
      // cascade-delete every child row. So keys go off around the transaction, as the
      // script intends, and are checked before it commits.
      db.pragma("foreign_keys = OFF");
      try {
        // IMMEDIATE takes the write lock up front, so two processes starting together
        // cannot both apply the same migration.
        db.transaction(() => {
          const stillPending = db.prepare(`SELECT 1 FROM "_prisma_migrations" WHERE migration_name = ? AND finished_at IS NOT NULL`).get(migration.name);
          if (stillPending) return;
          db.exec(migration.sql);
          const dangling = db.pragma("foreign_key_check") as { table: string }[];
          if (dangling.length > 0) {
            throw new Error(`Migration ${migration.name} leaves ${dangling.length} row(s) violating a foreign key (first in ${dangling[0]?.table}).`);
          }
          db.prepare(
            `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, started_at, applied_steps_count)
             VALUES (?, ?, ?, ?, NULL, ?, 1)`,
          ).run(randomUUID(), migration.checksum, Date.now(), migration.name, startedAt);
          newlyApplied.push(migration.name);
        }).immediate();
      } finally {
        db.pragma("foreign_keys = ON");
      }
    }
    return newlyApplied;
  } finally {
    db.close();
  }
}

/**
 * Captures hold other people's secrets (signed payloads, Authorization headers): a new
 * database file is readable by its owner only (0600), and so are its `-wal` and `-shm`
 * files, which SQLite creates with the main file's permissions. Directories made for
 * it are 0700. An existing file keeps the permissions its operator gave it.
 */
function createPrivately(databaseFile: string): void {
  mkdirSync(path.dirname(databaseFile), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(databaseFile, "wx", 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
}

export type Migration = { name: string; sql: string; checksum: string };

/** The `<name>/migration.sql` files of a migrations folder, in the order they apply. */
export function readMigrations(migrationsDir: string): Migration[] {
  if (!existsSync(migrationsDir)) throw new Error(`Migrations folder not found: ${migrationsDir}`);
  return readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(migrationsDir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(migrationsDir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}
