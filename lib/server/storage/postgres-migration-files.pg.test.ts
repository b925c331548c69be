import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import { createTestDatabase, describeWithPostgres } from "@/e2e/support/postgres.ts";

const root = path.resolve(import.meta.dirname, "../../..");
const script = path.join(root, "scripts", "db-migrate.mjs");
const schemaPath = path.join(root, "prisma", "postgres", "schema.prisma");

type CheckResult = { code: number; stdout: string; stderr: string };

// The real CLI, as `npm run db:migrate -- --postgres --check` runs it, against the run's
// cluster: the engine makes its scratch and shadow databases there and drops them.
async function runCheck(...args: string[]): Promise<CheckResult> {
  const serverUrl = await createTestDatabase("db_migrate_check");
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [script, "--postgres", "--check", "--database-url", serverUrl, ...args], {
      cwd: root,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? String(error) };
  }
}

describeWithPostgres("prisma/postgres/migrations", () => {
  const scratch = mkdtempSync(path.join(tmpdir(), "hookyard-pg-schema-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it.concurrent(
    "produce exactly prisma/postgres/schema.prisma (run `npm run db:migrate -- --postgres --name <change>` if not)",
    { timeout: 60_000 },
    async () => {
      const result = await runCheck();
      expect(result.code, `${result.stderr}${result.stdout}`).toBe(0);
    },
  );

  // Guards the guard: a check that cannot fail would let the test above pass forever.
  it.concurrent("are reported as drifted when the schema gains a column they lack", { timeout: 60_000 }, async () => {
    const changed = path.join(scratch, "schema.prisma");
    const original = readFileSync(schemaPath, "utf8");
    const withColumn = original.replace(/model Bin \{\n/, "model Bin {\n  label String?\n");
    expect(withColumn).not.toBe(original);
    writeFileSync(changed, withColumn);

    const result = await runCheck("--schema", changed);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/ALTER TABLE "Bin" ADD COLUMN\s+"label" TEXT;/);
  });
});
