import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";
import { describeStorage } from "../storage.suite.ts";
import { createSqliteStorage } from "./driver.ts";

const migrationsDir = fileURLToPath(new URL("../../../../prisma/migrations", import.meta.url));
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describeStorage("SQLite", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "hookyard-storage-"));
  dirs.push(dir);
  return createSqliteStorage({ file: path.join(dir, "hookyard.db"), migrationsDir, maxCapturesPerBin: 1_000 });
});
