import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { addCompileHints } from "./compile-hints.mjs";

// The build scripts too: a change to how the bundle is made must remake it.
const sourceRoots = [
  "app",
  "components",
  "lib",
  "prisma",
  "public",
  "server.ts",
  "next.config.js",
  "postcss.config.mjs",
  "package.json",
  "tsconfig.json",
  "scripts/build.mjs",
  "scripts/build-if-needed.mjs",
  "scripts/build-server.mjs",
  "scripts/compile-hints.mjs",
  "scripts/prisma.mjs",
  "scripts/postgres-schema.mjs",
];
const stampFile = path.join("dist", "build-stamp.txt");

/** A fingerprint of every source file's path, size and modification time. */
function sourceFingerprint() {
  const hash = createHash("sha256");
  const visit = (entry) => {
    if (!existsSync(entry)) return;
    const stat = statSync(entry);
    if (stat.isDirectory()) {
      if (entry.includes(`${path.sep}generated`) || entry.endsWith("node_modules")) return;
      for (const child of readdirSync(entry).sort()) visit(path.join(entry, child));
    } else if (!/\.test\.tsx?$/.test(entry)) {
      hash.update(`${entry}:${stat.size}:${stat.mtimeMs}\n`);
    }
  };
  sourceRoots.forEach(visit);
  return hash.digest("hex");
}

/**
 * Builds the production bundle: the Prisma client (one older than the schema builds
 * without complaint and fails at the first query), Next's build with compile hints
 * added to its browser scripts, then the custom server's bundle. Records the sources
 * it was built from, so a later `npm start` or `npm test` does not build again.
 */
export function build() {
  const fingerprint = sourceFingerprint();
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
  const run = (command, args) => {
    const result = spawnSync(command, args, { stdio: "inherit", env });
    if (result.status !== 0) process.exit(result.status ?? 1);
  };
  run(process.execPath, [path.join("scripts", "prisma.mjs"), "generate"]);
  run(path.join("node_modules", ".bin", "next"), ["build"]);
  addCompileHints();
  run(process.execPath, [path.join("scripts", "build-server.mjs")]);
  writeFileSync(stampFile, fingerprint);
}

/** Builds unless the last build was made from the same sources. */
export function ensureBuilt() {
  const built = existsSync(stampFile) && existsSync(path.join(".next", "BUILD_ID")) && existsSync(path.join("dist", "server.mjs"));
  if (built && readFileSync(stampFile, "utf8") === sourceFingerprint()) return;
  console.log("Building Hookyard (first start or sources changed)…");
  build();
}
