import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyMigrations } from "./migrate.ts";

const shippedMigrations = path.resolve(import.meta.dirname, "../../../../prisma/migrations");

// What `npm run db:migrate` generates when a Bin column changes in a way SQLite cannot
// ALTER: the table is copied, dropped and renamed between foreign_keys=OFF and ON.
const redefineBin = `-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Bin" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "createdAt" DATETIME NOT NULL
);
INSERT INTO "new_Bin" ("createdAt", "id") SELECT "createdAt", "id" FROM "Bin";
DROP TABLE "Bin";
ALTER TABLE "new_Bin" RENAME TO "Bin";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
`;

describe("applyMigrations with a table rebuild", () => {
  let dir: string;
  let migrations: string;
  let databaseFile: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "hookyard-migrate-"));
    migrations = path.join(dir, "migrations");
    databaseFile = path.join(dir, "test.db");
    cpSync(shippedMigrations, migrations, { recursive: true });
    applyMigrations(databaseFile, migrations);
    const db = new Database(databaseFile);
    db.prepare(`INSERT INTO "Bin" ("id") VALUES ('bin')`).run();
    db.prepare(
      `INSERT INTO "CapturedRequest" ("id", "binId", "method", "path", "query", "url", "headers", "body", "size", "ip", "receivedAt")
       VALUES ('req', 'bin', 'POST', '/', '', 'http://x/b/bin', '[]', x'', 0, '127.0.0.1', 1)`,
    ).run();
    db.close();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function addMigration(name: string, sql: string) {
    mkdirSync(path.join(migrations, name));
    writeFileSync(path.join(migrations, name, "migration.sql"), sql);
  }

  function count(table: string): number {
    const db = new Database(databaseFile, { readonly: true });
    try {
      return db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM "${table}"`).get()?.n ?? -1;
    } finally {
      db.close();
    }
  }

  it("keeps child rows when a migration rebuilds their parent table", () => {
    addMigration("29990101000000_redefine_bin", redefineBin);
    expect(applyMigrations(databaseFile, migrations)).toEqual(["29990101000000_redefine_bin"]);
    expect(count("CapturedRequest")).toBe(1);
  });

  it("rolls back a migration that leaves a dangling foreign key", () => {
    const appliedBefore = count("_prisma_migrations");
    addMigration("29990101000000_orphan", `UPDATE "CapturedRequest" SET "binId" = 'gone';`);
    expect(() => applyMigrations(databaseFile, migrations)).toThrow(/foreign key/i);
    expect(count("_prisma_migrations")).toBe(appliedBefore);
    expect(count("CapturedRequest")).toBe(1);
  });
});
