import { createHash } from "node:crypto";
import { appendFileSync, chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyMigrations } from "./migrate.ts";

const shippedMigrations = fileURLToPath(new URL("../../../../prisma/migrations", import.meta.url));
const shippedNames = readdirSync(shippedMigrations, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

let dir: string;
let migrationsDir: string;
let databaseFile: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "hookyard-migrate-"));
  migrationsDir = path.join(dir, "migrations");
  cpSync(shippedMigrations, migrationsDir, { recursive: true });
  databaseFile = path.join(dir, "nested", "folder", "hookyard.db");
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function query<T>(sql: string, ...params: unknown[]): T[] {
  const db = new Database(databaseFile, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

function addMigration(name: string, sql: string): void {
  mkdirSync(path.join(migrationsDir, name));
  writeFileSync(path.join(migrationsDir, name, "migration.sql"), sql);
}

describe("applyMigrations", () => {
  it("applies the shipped migrations to a new file (creating its folder), then nothing the second time", () => {
    expect(shippedNames.length).toBeGreaterThan(0);
    expect(applyMigrations(databaseFile, migrationsDir)).toEqual(shippedNames);
    expect(applyMigrations(databaseFile, migrationsDir)).toEqual([]);

    const tables = query<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(["Bin", "CapturedRequest", "_prisma_migrations"]));
  });

  it("records each migration in _prisma_migrations the way Prisma does", () => {
    const before = Date.now();
    applyMigrations(databaseFile, migrationsDir);
    applyMigrations(databaseFile, migrationsDir);
    const rows = query<{
      id: string;
      checksum: string;
      finished_at: number | null;
      migration_name: string;
      logs: string | null;
      rolled_back_at: number | null;
      started_at: number;
      applied_steps_count: number;
    }>(`SELECT * FROM "_prisma_migrations" ORDER BY migration_name`);

    expect(rows.map((r) => r.migration_name)).toEqual(shippedNames);
    for (const row of rows) {
      const sql = readFileSync(path.join(migrationsDir, row.migration_name, "migration.sql"));
      expect(row.checksum).toBe(createHash("sha256").update(sql).digest("hex"));
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(row.finished_at).toBeGreaterThanOrEqual(before);
      expect(row.started_at).toBeLessThanOrEqual(row.finished_at!);
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it("leaves the database in WAL mode", () => {
    applyMigrations(databaseFile, migrationsDir);
    const db = new Database(databaseFile);
    try {
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    } finally {
      db.close();
    }
  });

  it("applies only a migration added later, in name order", () => {
    applyMigrations(databaseFile, migrationsDir);
    addMigration("29990102000000_second", `ALTER TABLE "Extra" ADD COLUMN "note" TEXT;`);
    addMigration("29990101000000_first", `CREATE TABLE "Extra" ("id" INTEGER PRIMARY KEY);`);
    expect(applyMigrations(databaseFile, migrationsDir)).toEqual(["29990101000000_first", "29990102000000_second"]);
    expect(query<{ name: string }>(`PRAGMA table_info("Extra")`).map((c) => c.name)).toEqual(["id", "note"]);
  });

  it("refuses a migration that was edited after it was applied", () => {
    applyMigrations(databaseFile, migrationsDir);
    const edited = shippedNames[0]!;
    appendFileSync(path.join(migrationsDir, edited, "migration.sql"), "\n-- edited later\n");
    expect(() => applyMigrations(databaseFile, migrationsDir)).toThrow(new RegExp(`Migration ${edited} was modified`));
  });

  it("rolls back a failing migration completely and does not record it", () => {
    applyMigrations(databaseFile, migrationsDir);
    addMigration("29990101000000_broken", `CREATE TABLE "HalfDone" ("id" INTEGER);\nTHIS IS NOT SQL;`);
    expect(() => applyMigrations(databaseFile, migrationsDir)).toThrow();
    expect(query(`SELECT name FROM sqlite_master WHERE name = 'HalfDone'`)).toEqual([]);
    expect(query(`SELECT 1 FROM "_prisma_migrations" WHERE migration_name = ?`, "29990101000000_broken")).toEqual([]);
  });

  it("throws when the migrations folder is missing", () => {
    expect(() => applyMigrations(databaseFile, path.join(dir, "nowhere"))).toThrow(/Migrations folder not found/);
  });
});

describe("file permissions", () => {
  const mode = (file: string) => statSync(file).mode & 0o777;

  it("creates the database, its -wal and -shm files for the owner only, in folders only the owner can enter", () => {
    applyMigrations(databaseFile, migrationsDir);
    // Opening it the way the server does brings the -wal and -shm files into being.
    const db = new Database(databaseFile);
    try {
      db.prepare(`CREATE TABLE "Probe" (x)`).run();
      expect(mode(databaseFile)).toBe(0o600);
      expect(mode(`${databaseFile}-wal`)).toBe(0o600);
      expect(mode(`${databaseFile}-shm`)).toBe(0o600);
    } finally {
      db.close();
    }
    expect(mode(path.dirname(databaseFile))).toBe(0o700);
    expect(mode(path.dirname(path.dirname(databaseFile)))).toBe(0o700);
  });

  it("leaves an existing file's permissions as its operator set them", () => {
    applyMigrations(databaseFile, migrationsDir);
    chmodSync(databaseFile, 0o640);
    applyMigrations(databaseFile, migrationsDir);
    expect(mode(databaseFile)).toBe(0o640);
  });
});

describe("the capture_sequence migration", () => {
  it("numbers the captures of an existing database per bin in arrival order, keeps every row, and the writer goes on from there", async () => {
    const sequence = shippedNames.find((name) => name.endsWith("_capture_sequence"))!;
    // The database as it was before captures had places.
    for (const name of shippedNames.filter((each) => each >= sequence)) rmSync(path.join(migrationsDir, name), { recursive: true });
    applyMigrations(databaseFile, migrationsDir);
    const db = new Database(databaseFile);
    const ids = { a: ["01K00000000000000000000003", "01K00000000000000000000001", "01K00000000000000000000007"], b: ["01K00000000000000000000002"] };
    try {
      for (const [bin, captures] of Object.entries(ids)) {
        db.prepare(`INSERT INTO "Bin" ("id") VALUES (?)`).run(`bin-${bin}`);
        for (const id of captures) {
          db.prepare(
            `INSERT INTO "CapturedRequest" ("id", "binId", "method", "path", "query", "url", "headers", "body", "size", "ip", "receivedAt") VALUES (?, ?, 'POST', '/', '', 'http://localhost/', '[]', x'6869', 2, '::1', 0)`,
          ).run(id, `bin-${bin}`);
        }
      }
      db.prepare(`INSERT INTO "Bin" ("id") VALUES ('bin-empty')`).run();
    } finally {
      db.close();
    }

    cpSync(path.join(shippedMigrations, sequence), path.join(migrationsDir, sequence), { recursive: true });
    expect(applyMigrations(databaseFile, migrationsDir)).toEqual([sequence]);

    expect(query(`SELECT "binId", "id", "seq", hex("body") AS "body" FROM "CapturedRequest" ORDER BY "binId", "seq"`)).toEqual([
      { binId: "bin-a", id: ids.a[1], seq: 1, body: "6869" },
      { binId: "bin-a", id: ids.a[0], seq: 2, body: "6869" },
      { binId: "bin-a", id: ids.a[2], seq: 3, body: "6869" },
      { binId: "bin-b", id: ids.b[0], seq: 1, body: "6869" },
    ]);
    expect(query(`SELECT "id", "lastSeq" FROM "Bin" ORDER BY "id"`)).toEqual([
      { id: "bin-a", lastSeq: 3 },
      { id: "bin-b", lastSeq: 1 },
      { id: "bin-empty", lastSeq: 0 },
    ]);
    // A second capture at the same place in a bin is refused by the key.
    const writable = new Database(databaseFile);
    try {
      expect(() =>
        writable
          .prepare(
            `INSERT INTO "CapturedRequest" ("id", "binId", "seq", "method", "path", "query", "url", "headers", "body", "size", "ip", "receivedAt") VALUES ('01K00000000000000000000009', 'bin-a', 3, 'POST', '/', '', 'http://localhost/', '[]', x'', 0, '::1', 0)`,
          )
          .run(),
      ).toThrow(/UNIQUE/);
    } finally {
      writable.close();
    }
  });
});
