import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";
import { closeDb, configureConnection } from "./sqlite/client.ts";
import { applyMigrations } from "./sqlite/migrate.ts";

const migrationsDir = fileURLToPath(new URL("../../../prisma/migrations", import.meta.url));
const configKey = Symbol.for("hookyard.config");

/**
 * For a test file: a migrated SQLite file in its own temp dir, with the process's
 * configuration and Prisma client pointed at it (`env` adds variables for that
 * configuration). Read `file` inside tests or hooks, after it is set up.
 */
export function useTestDatabase(env: Record<string, string> = {}): { readonly file: string } {
  const state = { file: "" };
  let dir = "";
  const saved = new Map<string, string | undefined>();
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "hookyard-unit-"));
    state.file = path.join(dir, "test.db");
    applyMigrations(state.file, migrationsDir);
    for (const [name, value] of Object.entries({ ...env, DATABASE_URL: `file:${state.file}` })) {
      saved.set(name, process.env[name]);
      process.env[name] = value;
    }
    // The config and the client are per process; make sure they are built from the env above.
    await closeDb();
    delete (globalThis as Record<symbol, unknown>)[configKey];
    await configureConnection();
  });
  afterAll(async () => {
    await closeDb();
    delete (globalThis as Record<symbol, unknown>)[configKey];
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return state;
}
