import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

const sourceRoots = ["app", "components", "lib", "prisma", "public", "server.ts", "next.config.js", "postcss.config.mjs", "package.json", "tsconfig.json"];
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

/** Runs `npm run build` unless the last build was made from the same sources. */
export function ensureBuilt() {
  const fingerprint = sourceFingerprint();
  const built = existsSync(stampFile) && existsSync(path.join(".next", "BUILD_ID")) && existsSync(path.join("dist", "server.mjs"));
  if (built && readFileSync(stampFile, "utf8") === fingerprint) return;
  console.log("Building Hookyard (first start or sources changed)…");
  const result = spawnSync("npm", ["run", "build"], { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (result.status !== 0) process.exit(result.status ?? 1);
  writeFileSync(stampFile, fingerprint);
}
