import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";
import { getConfig } from "../../config.ts";
import { openStorage } from "./open-storage.ts";
import { closeStorage, installStorage } from "./storage.ts";

const prismaDir = fileURLToPath(new URL("../../../prisma", import.meta.url));
const configKey = Symbol.for("hookyard.config");

/**
 * For a test file: a migrated SQLite file in its own temp dir, with the process's
 * configuration and storage (getStorage) opened on it (`env` adds variables for that
 * configuration). Read `file` inside tests or hooks, after it is set up.
 */
export function useTestDatabase(env: Record<string, string> = {}): { readonly file: string } {
  const state = { file: "" };
  let dir = "";
  const saved = new Map<string, string | undefined>();
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "hookyard-unit-"));
    state.file = path.join(dir, "test.db");
    for (const [name, value] of Object.entries({ ...env, DATABASE_URL: `file:${state.file}` })) {
      saved.set(name, process.env[name]);
      process.env[name] = value;
    }
    // The config and the storage are per process; make sure they are built from the env above.
    await closeStorage();
    delete (globalThis as Record<symbol, unknown>)[configKey];
    installStorage(await openStorage(getConfig(), { prismaDir }));
  });
  afterAll(async () => {
    await closeStorage();
    delete (globalThis as Record<symbol, unknown>)[configKey];
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return state;
}
