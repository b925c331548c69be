#!/usr/bin/env node
// Runs the Prisma CLI offline. Prisma's native schema engine cannot be downloaded on
// machines without internet, and `generate`/`validate`/`format` only ask it for its
// version, so we point Prisma at a stand-in that answers `--version` and refuses
// everything else. Users with the real engine installed can run `npx prisma` directly.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const standIn = join(root, "scripts", "schema-engine-stand-in.sh");
if (existsSync(standIn)) chmodSync(standIn, 0o755);

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = standIn;

const prismaBin = join(root, "node_modules", "prisma", "build", "index.js");
const result = spawnSync(process.execPath, [prismaBin, ...process.argv.slice(2)], { stdio: "inherit", env, cwd: root });
process.exit(result.status ?? 1);
