#!/usr/bin/env node
// `npm run db:migrate -- --name add_x`: the offline equivalent of
// `prisma migrate dev --create-only`. `npm run db:migrate -- --check`: fails when
// prisma/schema.prisma and prisma/migrations disagree (the equivalent of
// `prisma migrate diff --from-migrations ... --to-schema ... --exit-code`). Add `--postgres`
// for PostgreSQL's schema and migrations (prisma/postgres/, see docs/migrations.md).
//
// Prisma's CLI needs its native schema engine for these, and that binary is downloaded
// at install time, which cannot happen without internet. The same engine also ships
// compiled to WebAssembly (@prisma/schema-engine-wasm), driven through a driver adapter
// instead of its own database drivers, so we run it here against throw-away in-memory
// SQLite databases, or for PostgreSQL against scratch databases on a throwaway cluster
// (scripts/postgres-cluster.mjs) or on the server --database-url names. Nothing touches
// data/ or any database that holds data: the app applies the
// migrations itself at start-up (lib/server/storage/sqlite/migrate.ts), and users with the real CLI
// can run `prisma migrate deploy` on the same folder.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import * as engineBindings from "@prisma/schema-engine-wasm/schema_engine_bg";
import pg from "pg";
import { startCluster, stopCluster } from "./postgres-cluster.mjs";
import { postgresSchemaPath, writePostgresSchema } from "./postgres-schema.mjs";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
// Same paths as prisma.config.ts, which Node 20 cannot import (it is TypeScript).
const sqlite = { schemaPath: path.join(root, "prisma", "schema.prisma"), migrationsDir: path.join(root, "prisma", "migrations") };
const postgres = { schemaPath: postgresSchemaPath, migrationsDir: path.join(root, "prisma", "postgres", "migrations") };
const lockfileName = "migration_lock.toml";
const noFilters = { externalTables: [], externalEnums: [] };

const usage = `Usage:
  npm run db:migrate -- --name <change>   write prisma/migrations/<timestamp>_<change>/migration.sql
  npm run db:migrate -- --check           exit 1 and print the missing SQL if the schema and migrations disagree
Options:
  --postgres             PostgreSQL's schema and migrations (prisma/postgres/) instead of SQLite's;
                         prisma/postgres/schema.prisma is rewritten from prisma/schema.prisma first
  --database-url <url>   with --postgres: a server where this role may create databases (the
                         engine's scratch and shadow databases, dropped afterwards); without it
                         a throwaway cluster is started (needs Debian's postgresql package)
  --schema <file>        diff this schema instead of the provider's`;

async function main() {
  const { values } = parseArgs({
    options: {
      name: { type: "string" },
      check: { type: "boolean", default: false },
      schema: { type: "string" },
      postgres: { type: "boolean", default: false },
      "database-url": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }

  const provider = values.postgres ? postgres : sqlite;
  if (values.postgres && !values.schema) writePostgresSchema();
  const schemaPath = values.schema ? path.resolve(values.schema) : provider.schemaPath;
  const schema = { files: [{ path: schemaPath, content: readFileSync(schemaPath, "utf8") }] };
  ensureLockfile(schema.files[0].content, provider.migrationsDir);
  const migrationsList = readMigrationsList(provider.migrationsDir);

  const database = values.postgres ? await scratchPostgres(values["database-url"]) : { adapterFactory: inMemorySqlite(), dispose: async () => {} };
  try {
    const engine = await startEngine(schema, database.adapterFactory);
    try {
      if (values.check) return await check(engine, migrationsList, schema, provider.migrationsDir);
      return await createMigration(engine, migrationsList, schema, values.name, provider.migrationsDir);
    } finally {
      engine.free();
    }
  } finally {
    await database.dispose();
  }
}

async function check(engine, migrationsList, schema, migrationsDir) {
  const { exitCode, stdout } = await engine.diff({
    from: { tag: "migrations", ...migrationsList },
    to: { tag: "schemaDatamodel", ...schema },
    script: true,
    // Makes the engine answer 2 when the diff is not empty, so we need not parse SQL.
    exitCode: true,
    filters: noFilters,
  });
  if (exitCode === 0) {
    console.log("Schema and migrations agree.");
    return 0;
  }
  console.error(
    `${path.relative(root, schema.files[0].path)} and ${path.relative(root, migrationsDir)} disagree. ` +
      `Create a migration with \`npm run db:migrate -- ${migrationsDir === postgres.migrationsDir ? "--postgres " : ""}--name <change>\`. The missing SQL:\n`,
  );
  console.log(stdout ?? "");
  return 1;
}

async function createMigration(engine, migrationsList, schema, name, migrationsDir) {
  // The engine's createMigration reads the migrated schema from a cache that only
  // devDiagnostic fills, and devDiagnostic insists on a database that holds the
  // history: the same sequence `prisma migrate dev` runs, against an empty database.
  await engine.applyMigrations({ migrationsList, filters: noFilters });
  const { action } = await engine.devDiagnostic({ migrationsList, filters: noFilters });
  if (action.tag === "reset") {
    // On a fresh database this only happens when the history itself is inconsistent.
    throw new Error(`The migration history cannot be replayed: ${action.reason}`);
  }

  const slug = slugify(name ?? "");
  const result = await engine.createMigration({
    draft: false,
    migrationName: slug,
    migrationsList,
    schema,
    filters: noFilters,
  });
  if (result.migrationScript === null) {
    console.log("No schema changes");
    return 0;
  }
  if (!slug) {
    console.error("The schema has changed: name the migration with --name <change>.\n");
    console.error(usage);
    return 1;
  }

  const directoryName = orderedAfterHistory(result.generatedMigrationName, migrationsList);
  const directory = path.join(migrationsDir, directoryName);
  if (existsSync(directory)) throw new Error(`${path.relative(root, directory)} already exists.`);
  mkdirSync(directory);
  const file = path.join(directory, `migration.${result.extension}`);
  writeFileSync(file, result.migrationScript);
  console.log(path.relative(root, file));
  return 0;
}

async function startEngine(schema, adapterFactoryWithoutErrors) {
  // The engine's panic hook reports through this global; without it a Rust panic
  // surfaces only as "unreachable".
  globalThis.PRISMA_WASM_PANIC_REGISTRY = {
    message: "",
    set_message(message) {
      this.message = message;
    },
  };
  // The package's own entry point imports the .wasm as an ES module, which Node 20
  // supports only behind --experimental-wasm-modules, so we instantiate it ourselves.
  const wasmUrl = new URL("schema_engine_bg.wasm", import.meta.resolve("@prisma/schema-engine-wasm/schema_engine_bg"));
  const { instance } = await WebAssembly.instantiate(readFileSync(wasmUrl), {
    "./schema_engine_bg.js": engineBindings,
  });
  engineBindings.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();

  const adapterFactory = bindMigrationAwareSqlAdapterFactory(adapterFactoryWithoutErrors);
  try {
    const engine = await engineBindings.SchemaEngine.new({ datamodels: schema.files.map((file) => [file.path, file.content]) }, () => {}, adapterFactory);
    return withReadableErrors(engine, adapterFactory.errorRegistry);
  } catch (error) {
    throw readableError(error, adapterFactory.errorRegistry);
  }
}

// Both the "main" database (which createMigration needs to hold the history) and the
// shadow database (where the engine replays the migrations) are throw-away: in memory,
// gone when the process ends, so WAL and file locking never come into play.
function inMemorySqlite() {
  const factory = new PrismaBetterSqlite3({ url: ":memory:" }, { shadowDatabaseUrl: ":memory:" });
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => runsScripts(await factory.connect()),
    connectToShadowDb: async () => runsScripts(await factory.connectToShadowDb()),
  };
}

// The engine replays each migration.sql through executeRaw in one piece, but
// better-sqlite3 prepares one statement at a time and rejects the rest, so a
// parameterless multi-statement query goes through the adapter's executeScript.
function runsScripts(adapter) {
  return withScriptFallback(adapter, adapter);
}

// `connection` runs the scripts: the adapter itself, also for its transactions, since
// on the same connection a script still runs inside the open transaction.
function withScriptFallback(target, connection) {
  return new Proxy(target, {
    get(object, property) {
      if (property === "executeRaw") {
        return async (query) => {
          try {
            return await object.executeRaw(query);
          } catch (error) {
            if (query.args.length > 0 || !isMultiStatementError(error)) throw error;
            await connection.executeScript(query.sql);
            return 0;
          }
        };
      }
      if (property === "startTransaction" && target === connection) {
        return async (...args) => withScriptFallback(await object.startTransaction(...args), connection);
      }
      const value = Reflect.get(object, property, object);
      // The adapter keeps state in private fields, so methods must run on the original.
      return typeof value === "function" ? value.bind(object) : value;
    },
  });
}

function isMultiStatementError(error) {
  return error instanceof RangeError && error.message.includes("more than one statement");
}

// PostgreSQL has no in-memory database: the engine's "main" database (which
// createMigration needs to hold the history) is a new empty database, and each shadow
// database another, on a throwaway cluster or the server the caller named, all dropped
// when done.
async function scratchPostgres(serverUrl) {
  const cluster = serverUrl ? undefined : await startCluster();
  const created = [];
  try {
    const baseUrl = serverUrl ?? `postgres://${cluster.user}:${cluster.password}@${cluster.host}:${cluster.port}/postgres`;
    const createScratch = async (purpose) => {
      const name = `hookyard_${purpose}_${randomBytes(6).toString("hex")}`;
      await onServer(baseUrl, `CREATE DATABASE "${name}"`);
      created.push(name);
      const url = new URL(baseUrl);
      url.pathname = `/${name}`;
      return url.href;
    };
    const adapterFor = (url) => new PrismaPg(new CatalogReadingPool({ connectionString: url, max: 4 }), { disposeExternalPool: true });
    const main = adapterFor(await createScratch("migrate"));
    const adapterFactory = {
      provider: main.provider,
      adapterName: main.adapterName,
      connect: () => main.connect(),
      // Not PrismaPg's own: it makes its shadow pool from the URL, without CatalogReadingPool.
      connectToShadowDb: async () => adapterFor(await createScratch("shadow")).connect(),
    };
    return {
      adapterFactory,
      async dispose() {
        if (cluster) return stopCluster(cluster);
        // FORCE: the engine does not always dispose of the connections it opened.
        for (const name of created) await onServer(baseUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      },
    };
  } catch (error) {
    if (cluster) stopCluster(cluster);
    throw error;
  }
}

async function onServer(url, sql) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

// The engine reads PostgreSQL's catalogs, whose flag columns (relkind, contype...) have
// the internal one-byte type "char" (OID 18). @prisma/adapter-pg 7.10 maps no column type
// to it and the engine fails with "Column type 'char' could not be deserialized from the
// database". pg already hands such values over as strings, so they are reported as text.
class CatalogReadingPool extends pg.Pool {
  async query(...args) {
    const result = await super.query(...args);
    for (const resultSet of Array.isArray(result) ? result : [result]) {
      for (const field of resultSet?.fields ?? []) if (field.dataTypeID === 18) field.dataTypeID = 25;
    }
    return result;
  }
}

// Engine errors about the database say only "External error id#N"; the driver's own
// error (e.g. the SQLite syntax error in a hand-edited migration) sits in the registry.
function withReadableErrors(engine, errorRegistry) {
  return new Proxy(engine, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      return (...args) => {
        try {
          const result = value.apply(target, args);
          return result instanceof Promise
            ? result.catch((error) => {
                throw readableError(error, errorRegistry);
              })
            : result;
        } catch (error) {
          throw readableError(error, errorRegistry);
        }
      };
    },
  });
}

function readableError(error, errorRegistry) {
  if (!(error instanceof Error)) return error;
  const details = [];
  for (const [, id] of error.message.matchAll(/External error id#(\d+)/g)) {
    const cause = errorRegistry.consumeError(Number(id))?.error;
    if (cause) details.push(cause instanceof Error ? cause.message : JSON.stringify(cause));
  }
  const panic = globalThis.PRISMA_WASM_PANIC_REGISTRY?.message;
  if (panic) details.push(`schema engine panicked: ${panic}`);
  if (details.length > 0) error.message += `\nCaused by: ${details.join("\nCaused by: ")}`;
  return error;
}

// The engine rejects a migrations folder without a lockfile naming the provider, and
// `prisma migrate deploy` checks it too.
function ensureLockfile(schemaText, migrationsDir) {
  const lockfile = path.join(migrationsDir, lockfileName);
  if (existsSync(lockfile)) return;
  const provider = /datasource\s+\w+\s*\{[^}]*?\bprovider\s*=\s*"([^"]+)"/.exec(schemaText)?.[1];
  if (!provider) throw new Error("No datasource provider found in the schema.");
  mkdirSync(migrationsDir, { recursive: true });
  writeFileSync(
    lockfile,
    `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${provider}"\n`,
  );
}

function readMigrationsList(migrationsDir) {
  const names = readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return {
    baseDir: migrationsDir,
    lockfile: { path: lockfileName, content: readFileSync(path.join(migrationsDir, lockfileName), "utf8") },
    shadowDbInitScript: "",
    migrationDirectories: names.map((name) => {
      const file = path.join(migrationsDir, name, "migration.sql");
      return {
        path: name,
        migrationFile: {
          path: "migration.sql",
          content: existsSync(file) ? { tag: "ok", value: readFileSync(file, "utf8") } : { tag: "error", value: `${path.relative(root, file)} is missing` },
        },
      };
    }),
  };
}

// Roughly what Prisma's CLI does to --name before handing it to the engine (it uses
// @sindresorhus/slugify): "AddLabel" and "add label" both become "add_label", so the
// folder names look the same whichever tool made them.
function slugify(name) {
  return name
    .replace(/([a-z\d])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z\d]+)/g, "$1_$2")
    .replace(/([a-zA-Z\d]+)'([ts])(\s|$)/g, "$1$2$3")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 200);
}

// Migrations apply in folder-name order and the engine names folders after the local
// clock; a clock behind the newest migration (a skewed machine, or a folder named by
// hand) would slot the new one into the past, so move it just after the newest.
function orderedAfterHistory(generatedName, migrationsList) {
  const newest = migrationsList.migrationDirectories.at(-1)?.path;
  if (!newest || generatedName > newest) return generatedName;
  const stamp = /^(\d{14})/.exec(newest)?.[1];
  if (!stamp) return generatedName;
  const [, y, mo, d, h, mi, s] = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(stamp);
  const next = new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +s + 1));
  const nextStamp = next.toISOString().replace(/\D/g, "").slice(0, 14);
  return `${nextStamp}${generatedName.slice(14)}`;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
