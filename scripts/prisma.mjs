#!/usr/bin/env node
// Runs the Prisma CLI offline. Prisma's native schema engine cannot be downloaded on
// machines without internet, and `generate`/`validate`/`format` only ask it for its
// version, so we point Prisma at a stand-in that answers `--version` and refuses
// everything else. Users with the real engine installed can run `npx prisma` directly.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { postgresSchemaPath, writePostgresSchema } from "./postgres-schema.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const standIn = join(root, "scripts", "schema-engine-stand-in.sh");
if (existsSync(standIn)) chmodSync(standIn, 0o755);

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = standIn;

const prismaBin = join(root, "node_modules", "prisma", "build", "index.js");
const args = process.argv.slice(2);
const prisma = (commandArgs) => spawnSync(process.execPath, [prismaBin, ...commandArgs], { stdio: "inherit", env, cwd: root }).status ?? 1;

// Plain `generate` makes both clients: SQLite's from prisma/schema.prisma (prisma.config.ts)
// and PostgreSQL's from prisma/postgres/schema.prisma, first rewritten from SQLite's so
// that the two never disagree (scripts/postgres-schema.mjs).
if (args[0] === "generate" && !args.some((arg) => arg === "--schema" || arg.startsWith("--schema="))) {
  writePostgresSchema();
  const status = prisma(args);
  process.exit(status === 0 ? prisma([...args, "--schema", postgresSchemaPath]) : status);
}
process.exit(prisma(args));
