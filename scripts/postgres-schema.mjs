#!/usr/bin/env node
// Prisma 7 takes one provider per schema, so PostgreSQL gets its own schema file, made
// from prisma/schema.prisma (SQLite's, the one to edit) by swapping the provider and the
// generated client's folder. `node scripts/postgres-schema.mjs` writes it; `--check` exits 1
// when the checked-in copy is stale (npm test runs that, lib/server/storage/postgres-schema.test.ts).
// `npm run db:generate` and `npm run db:migrate -- --postgres` write it first themselves.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
export const sqliteSchemaPath = path.join(root, "prisma", "schema.prisma");
export const postgresSchemaPath = path.join(root, "prisma", "postgres", "schema.prisma");

const header =
  "// GENERATED from prisma/schema.prisma by scripts/postgres-schema.mjs: do not edit.\n" +
  "// Edit prisma/schema.prisma, then `npm run db:generate` (see docs/migrations.md).\n\n";

/** The PostgreSQL schema for a SQLite schema's text. Throws if the text lacks what it swaps. */
export function postgresSchemaFrom(sqliteSchema) {
  return (
    header +
    swapOnce(
      swapOnce(sqliteSchema, /(datasource\s+db\s*\{[^}]*?\bprovider\s*=\s*)"sqlite"/, '$1"postgresql"', "the sqlite datasource provider"),
      /(generator\s+client\s*\{[^}]*?\boutput\s*=\s*)"\.\.\/lib\/server\/generated\/prisma"/,
      '$1"../../lib/server/generated/prisma-postgres"',
      'the client generator\'s output "../lib/server/generated/prisma"',
    )
  );
}

function swapOnce(text, pattern, replacement, what) {
  const global = new RegExp(pattern.source, "g");
  const count = [...text.matchAll(global)].length;
  if (count !== 1) throw new Error(`prisma/schema.prisma: expected ${what} once, found it ${count} times.`);
  return text.replace(pattern, replacement);
}

/** Writes prisma/postgres/schema.prisma when it differs; answers whether it did. */
export function writePostgresSchema() {
  const wanted = postgresSchemaFrom(readFileSync(sqliteSchemaPath, "utf8"));
  if (existsSync(postgresSchemaPath) && readFileSync(postgresSchemaPath, "utf8") === wanted) return false;
  mkdirSync(path.dirname(postgresSchemaPath), { recursive: true });
  writeFileSync(postgresSchemaPath, wanted);
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--check")) {
    const wanted = postgresSchemaFrom(readFileSync(sqliteSchemaPath, "utf8"));
    const current = existsSync(postgresSchemaPath) ? readFileSync(postgresSchemaPath, "utf8") : "";
    if (current !== wanted) {
      console.error("prisma/postgres/schema.prisma is out of date: run `node scripts/postgres-schema.mjs` (or `npm run db:generate`).");
      process.exit(1);
    }
    console.log("prisma/postgres/schema.prisma matches prisma/schema.prisma.");
  } else {
    console.log(writePostgresSchema() ? "Wrote prisma/postgres/schema.prisma." : "prisma/postgres/schema.prisma is up to date.");
  }
}
