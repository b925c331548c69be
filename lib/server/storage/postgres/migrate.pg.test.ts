import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, describeWithPostgres } from "@/e2e/support/postgres.ts";
import { PrismaClient } from "../../generated/prisma-postgres/client.ts";
import { applyPostgresMigrations, migrationLockKey } from "./migrate.ts";

const shippedMigrations = fileURLToPath(new URL("../../../../prisma/postgres/migrations", import.meta.url));
const postgresSchema = fileURLToPath(new URL("../../../../prisma/postgres/schema.prisma", import.meta.url));
const shippedNames = readdirSync(shippedMigrations, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describeWithPostgres("applyPostgresMigrations", () => {
  let scratch = "";
  beforeAll(() => {
    scratch = mkdtempSync(path.join(tmpdir(), "hookyard-pg-migrations-"));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** The shipped migrations plus `extra` ones (name → SQL) in a folder of their own. */
  function migrationsWith(extra: Record<string, string>): string {
    const dir = mkdtempSync(path.join(scratch, "migrations-"));
    cpSync(shippedMigrations, dir, { recursive: true });
    for (const [name, sql] of Object.entries(extra)) {
      mkdirSync(path.join(dir, name));
      writeFileSync(path.join(dir, name, "migration.sql"), sql);
    }
    return dir;
  }

  it("applies the shipped migrations to a new database, then nothing the second time, recording them as Prisma does", async () => {
    const url = await createTestDatabase("migrate_twice");
    expect(shippedNames.length).toBeGreaterThan(0);
    const before = Date.now();
    expect(await applyPostgresMigrations(url, shippedMigrations)).toEqual(shippedNames);
    expect(await applyPostgresMigrations(url, shippedMigrations)).toEqual([]);

    const rows = await query<{
      migration_name: string;
      checksum: string;
      finished_at: Date;
      started_at: Date;
      applied_steps_count: number;
      logs: string | null;
      rolled_back_at: Date | null;
    }>(url, `SELECT * FROM "_prisma_migrations" ORDER BY migration_name`);
    expect(rows.map((row) => row.migration_name)).toEqual(shippedNames);
    for (const row of rows) {
      const sql = readFileSync(path.join(shippedMigrations, row.migration_name, "migration.sql"));
      expect(row.checksum).toBe(createHash("sha256").update(sql).digest("hex"));
      expect(row.applied_steps_count).toBe(1);
      expect(row.logs).toBeNull();
      expect(row.rolled_back_at).toBeNull();
      expect(row.started_at.getTime()).toBeGreaterThanOrEqual(before - 5_000);
      expect(row.finished_at.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
    }
  });

  it("gives the tables, columns and indexes prisma/postgres/schema.prisma declares", async () => {
    const url = await createTestDatabase("migrate_shape");
    await applyPostgresMigrations(url, shippedMigrations);
    const declared = declaredShape(readFileSync(postgresSchema, "utf8"));

    const columns = await query<{ table_name: string; column_name: string; data_type: string; is_nullable: "YES" | "NO" }>(
      url,
      `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name <> '_prisma_migrations'`,
    );
    const actualColumns = columns.map((c) => `${c.table_name}.${c.column_name} ${c.data_type}${c.is_nullable === "YES" ? "?" : ""}`).sort();
    expect(actualColumns).toEqual(declared.columns);

    const indexes = await query<{ indexname: string }>(
      url,
      `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename <> '_prisma_migrations'`,
    );
    expect(indexes.map((i) => i.indexname).sort()).toEqual(declared.indexes);

    const keys = await query<{ constraint_name: string }>(
      url,
      `SELECT constraint_name FROM information_schema.table_constraints
        WHERE table_schema = current_schema() AND constraint_type = 'FOREIGN KEY'`,
    );
    expect(keys.map((k) => k.constraint_name).sort()).toEqual(declared.foreignKeys);
  });

  it("leaves a database the PostgreSQL Prisma client reads and writes through @prisma/adapter-pg", async () => {
    const url = await createTestDatabase("migrate_client");
    await applyPostgresMigrations(url, shippedMigrations);
    const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
    try {
      const body = Buffer.from([0, 1, 2, 255, 254]);
      await db.bin.create({
        data: {
          id: "bin-1",
          grants: { create: { id: "grant-1", tokenHash: "a".repeat(64), role: "owner", kind: "creator" } },
          requests: {
            create: {
              id: "01JREQ",
              method: "POST",
              path: "/",
              query: "",
              url: "http://127.0.0.1/b/bin-1",
              headers: "[]",
              body,
              size: body.length,
              ip: "127.0.0.1",
              receivedAt: 1_764_633_600_000n,
            },
          },
        },
      });
      const stored = await db.capturedRequest.findUniqueOrThrow({ where: { id: "01JREQ" }, include: { bin: { include: { grants: true } } } });
      expect(Buffer.from(stored.body)).toEqual(body);
      expect(stored.receivedAt).toBe(1_764_633_600_000n);
      expect(stored.bin.grants.map((grant) => grant.role)).toEqual(["owner"]);
      // Deleting a bin cascades, as on SQLite.
      await db.bin.delete({ where: { id: "bin-1" } });
      expect(await db.capturedRequest.count()).toBe(0);
      expect(await db.binGrant.count()).toBe(0);
    } finally {
      await db.$disconnect();
    }
  });

  it("applies each migration exactly once when several instances start at the same time", async () => {
    const url = await createTestDatabase("migrate_concurrently");
    // Slow migrations make the instances overlap for sure: without the lock, two of them
    // would run the same CREATE TABLE and one would fail.
    const dir = migrationsWith({
      "29990101000000_slow_one": `SELECT pg_sleep(0.3);\nCREATE TABLE "SlowOne" ("id" TEXT PRIMARY KEY);`,
      "29990101000001_slow_two": `SELECT pg_sleep(0.3);\nCREATE TABLE "SlowTwo" ("id" TEXT PRIMARY KEY);`,
    });
    const expected = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();

    const results = await Promise.all(Array.from({ length: 4 }, () => applyPostgresMigrations(url, dir)));
    expect(results.flat().sort()).toEqual(expected);
    const rows = await query<{ migration_name: string }>(url, `SELECT migration_name FROM "_prisma_migrations" ORDER BY migration_name`);
    expect(rows.map((row) => row.migration_name)).toEqual(expected);
  });

  it("waits for the migration lock at most lockTimeoutMs, then says who holds it", async () => {
    const url = await createTestDatabase("migrate_lock_timeout");
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock($1)", [migrationLockKey]);
      const started = Date.now();
      await expect(applyPostgresMigrations(url, shippedMigrations, { lockTimeoutMs: 300 })).rejects.toThrow(/migration lock .*more than 300 ms/);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await holder.end();
    }
    expect(await applyPostgresMigrations(url, shippedMigrations)).toEqual(shippedNames);
  });

  it("leaves a failing migration unapplied, and what came before it applied", async () => {
    const url = await createTestDatabase("migrate_failure");
    const dir = migrationsWith({
      "29990101000000_half_broken": `CREATE TABLE "Half" ("id" TEXT PRIMARY KEY);\nSELECT no_such_function();`,
    });
    await expect(applyPostgresMigrations(url, dir)).rejects.toThrow(/29990101000000_half_broken failed: .*no_such_function/);

    const rows = await query<{ migration_name: string }>(url, `SELECT migration_name FROM "_prisma_migrations" ORDER BY migration_name`);
    expect(rows.map((row) => row.migration_name)).toEqual(shippedNames);
    const half = await query(url, `SELECT 1 FROM information_schema.tables WHERE table_name = 'Half'`);
    expect(half).toEqual([]);
  });

  it("refuses a migration edited after it was applied", async () => {
    const url = await createTestDatabase("migrate_edited");
    const dir = migrationsWith({});
    await applyPostgresMigrations(url, dir);
    const first = path.join(dir, shippedNames[0] ?? "", "migration.sql");
    writeFileSync(first, `${readFileSync(first, "utf8")}\n-- edited\n`);
    await expect(applyPostgresMigrations(url, dir)).rejects.toThrow(/was modified after it was applied/);
  });
});

/**
 * What a Prisma schema declares for PostgreSQL, in the names Prisma gives: columns as
 * `Table.column type[?]`, indexes (`_pkey`, `_key`, `_idx`), foreign keys (`_fkey`).
 * Enough of the grammar for this schema (scalar fields, @id, @unique, @@id, @@index, @relation).
 */
function declaredShape(schema: string): { columns: string[]; indexes: string[]; foreignKeys: string[] } {
  const types: Record<string, string> = {
    String: "text",
    Int: "integer",
    BigInt: "bigint",
    Boolean: "boolean",
    DateTime: "timestamp without time zone",
    Bytes: "bytea",
  };
  const columns: string[] = [];
  const indexes: string[] = [];
  const foreignKeys: string[] = [];
  for (const [, model, body] of schema.matchAll(/^model (\w+) \{\n([\s\S]*?)^\}/gm)) {
    if (!model || body === undefined) continue;
    for (const line of body.split("\n").map((l) => l.replace(/\/\/.*$/, "").trim())) {
      const field = /^(\w+)\s+(\w+)(\?|\[\])?(.*)$/.exec(line);
      if (field) {
        const [, name, type, modifier, attributes = ""] = field;
        if (type && types[type]) {
          columns.push(`${model}.${name} ${types[type]}${modifier === "?" ? "?" : ""}`);
          if (/@id\b/.test(attributes)) indexes.push(`${model}_pkey`);
          if (/@unique\b/.test(attributes)) indexes.push(`${model}_${name}_key`);
        } else if (/@relation\(fields: \[(\w+)\]/.test(attributes)) {
          foreignKeys.push(`${model}_${/@relation\(fields: \[(\w+)\]/.exec(attributes)?.[1]}_fkey`);
        }
        continue;
      }
      const block = /^@@(id|index|unique)\(\[([^\]]+)\]\)/.exec(line);
      if (block) {
        const [, kind, fields = ""] = block;
        const names = fields.split(",").map((f) => f.trim());
        indexes.push(kind === "id" ? `${model}_pkey` : `${model}_${names.join("_")}_${kind === "index" ? "idx" : "key"}`);
      }
    }
  }
  return { columns: columns.sort(), indexes: indexes.sort(), foreignKeys: foreignKeys.sort() };
}
