import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { forgetCaptureCount } from "../capture-counts.ts";
import { createSqliteCaptureStore } from "./capture-store.ts";
import { describeCaptureStore, type CaptureStoreHarness } from "../capture-store.suite.ts";
import { applyMigrations } from "./migrate.ts";

const migrationsDir = fileURLToPath(new URL("../../../../prisma/migrations", import.meta.url));

/** A migrated SQLite file of its own in a temp dir, read and changed through a connection beside the store's. */
async function openSqlite(): Promise<CaptureStoreHarness> {
  const dir = mkdtempSync(path.join(tmpdir(), "hookyard-store-suite-"));
  const file = path.join(dir, "test.db");
  applyMigrations(file, migrationsDir);
  const db = new Database(file, { timeout: 5_000 });
  return {
    openStore: (options) => createSqliteCaptureStore(file, options),
    async createBin(lastUsedAt = Date.now()) {
      const id = randomBytes(16).toString("base64url");
      db.prepare(`INSERT INTO "Bin" ("id", "lastUsedAt") VALUES (?, ?)`).run(id, lastUsedAt);
      return id;
    },
    async query(sql, params = []) {
      const statement = db.prepare(sql);
      if (statement.reader) return statement.all(...params) as Record<string, unknown>[];
      statement.run(...params);
      return [];
    },
    async deleteCaptures(binId, ids) {
      if (ids) db.prepare(`DELETE FROM "CapturedRequest" WHERE "binId" = ? AND "id" IN (${ids.map(() => "?").join(", ")})`).run(binId, ...ids);
      else db.prepare(`DELETE FROM "CapturedRequest" WHERE "binId" = ?`).run(binId);
      // What every deletion outside the writer does (requests.ts, bins.ts): the SQLite
      // store keeps each bin's count in memory and counts again once it is forgotten.
      forgetCaptureCount(binId);
    },
    async close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeCaptureStore("SQLite", openSqlite);
