import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// Client components ship to the browser: nothing they import, directly or through
// other modules of ours, may reach lib/server (database, secrets, network).
const root = path.resolve(import.meta.dirname, "..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === "generated" || name === "node_modules" ? [] : sourceFiles(full);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [full] : [];
  });
}

function resolveImport(from: string, specifier: string): string | null {
  const base = specifier.startsWith("@/")
    ? path.join(root, specifier.slice(2))
    : specifier.startsWith(".")
      ? path.resolve(path.dirname(from), specifier)
      : null;
  if (!base) return null;
  return [base, `${base}.ts`, `${base}.tsx`, path.join(base, "index.ts")].find((candidate) => existsSync(candidate) && statSync(candidate).isFile()) ?? null;
}

function importsOf(file: string): string[] {
  const source = readFileSync(file, "utf8");
  return [...source.matchAll(/(?:import|export)[^'"]*?from\s+["']([^"']+)["']|import\s+["']([^"']+)["']/g)]
    .map((match) => resolveImport(file, match[1] ?? match[2]!))
    .filter((resolved): resolved is string => resolved !== null);
}

function reachesServer(file: string, seen = new Set<string>()): string | null {
  if (seen.has(file)) return null;
  seen.add(file);
  for (const imported of importsOf(file)) {
    if (imported.startsWith(path.join(root, "lib", "server") + path.sep)) return imported;
    const found = reachesServer(imported, seen);
    if (found) return found;
  }
  return null;
}

describe("server fence", () => {
  const clientFiles = [...sourceFiles(path.join(root, "app")), ...sourceFiles(path.join(root, "components"))].filter((file) =>
    /^\s*["']use client["']/.test(readFileSync(file, "utf8")),
  );

  it("finds the client components", () => {
    expect(clientFiles.length).toBeGreaterThan(3);
  });

  it.each(clientFiles.map((file) => [path.relative(root, file), file]))("%s does not reach lib/server", (_name, file) => {
    expect(reachesServer(file)).toBeNull();
  });
});
