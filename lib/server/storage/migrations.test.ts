import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../../..");
const script = path.join(root, "scripts", "db-migrate.mjs");
const schemaPath = path.join(root, "prisma", "schema.prisma");

type CheckResult = { code: number; stdout: string; stderr: string };

// Runs the real CLI rather than importing it, so the test covers exactly what
// `npm run db:migrate -- --check` does.
async function runCheck(...args: string[]): Promise<CheckResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [script, "--check", ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? String(error) };
  }
}

// Each check starts the schema engine in a child process: seconds, more on a busy machine.
describe.concurrent("prisma/migrations", { timeout: 60_000 }, () => {
  const scratch = mkdtempSync(path.join(tmpdir(), "hookyard-schema-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("produce exactly prisma/schema.prisma (run `npm run db:migrate -- --name <change>` if not)", async () => {
    const result = await runCheck();
    // On failure, show the engine's SQL for the missing change: it is the fix.
    expect(result.code, `${result.stderr}${result.stdout}`).toBe(0);
  });

  // Guards the guard: a check that cannot fail would let the test above pass forever.
  it("are reported as drifted when the schema gains a column they lack", async () => {
    const changed = path.join(scratch, "schema.prisma");
    const original = readFileSync(schemaPath, "utf8");
    const withColumn = original.replace(/model Bin \{\n/, "model Bin {\n  label String?\n");
    expect(withColumn).not.toBe(original);
    writeFileSync(changed, withColumn);

    const result = await runCheck("--schema", changed);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('ALTER TABLE "Bin" ADD COLUMN "label" TEXT;');
  });
});
