import path from "node:path";
import type { Config } from "../../config.ts";
import type { Storage } from "./storage.ts";
import { createSqliteStorage } from "./sqlite/driver.ts";
import { createPostgresStorage, type PostgresStorageOptions } from "./postgres/driver.ts";

export type OpenStorageOptions = {
  /** The folder holding `migrations/` (SQLite's) and `postgres/migrations/`; by default ./prisma. */
  prismaDir?: string;
  /** PostgreSQL: the notice each group's transaction sends for the live bus (live/open-bus.ts). */
  captureNotices?: PostgresStorageOptions["notify"] | null;
};

/**
 * Opens the driver DATABASE_URL names, migrated and ready: `file:` → SQLite,
 * `postgres://` → PostgreSQL. The caller installs it (`installStorage`) and closes it.
 * @throws Error when the database cannot be reached or migrating fails
 */
export async function openStorage(
  config: Pick<Config, "database" | "maxCapturesPerBin" | "maxBinBytes" | "maxDatabaseBytes" | "forward">,
  options: OpenStorageOptions = {},
): Promise<Storage> {
  const prismaDir = options.prismaDir ?? path.resolve("prisma");
  switch (config.database.kind) {
    case "sqlite":
      return createSqliteStorage({
        file: config.database.file,
        migrationsDir: path.join(prismaDir, "migrations"),
        maxCapturesPerBin: config.maxCapturesPerBin,
        maxBinBytes: config.maxBinBytes,
        maxDatabaseBytes: config.maxDatabaseBytes,
      });
    case "postgres":
      return createPostgresStorage({
        url: config.database.url,
        migrationsDir: path.join(prismaDir, "postgres", "migrations"),
        maxCapturesPerBin: config.maxCapturesPerBin,
        maxBinBytes: config.maxBinBytes,
        // An attempt lasts at most FORWARD_TIMEOUT_MS plus its reads and writes; past twice
        // that (and a margin) its instance is taken to be gone and another may retry it.
        jobLeaseMs: 2 * config.forward.timeoutMs + 10_000,
        ...(options.captureNotices ? { notify: options.captureNotices } : {}),
      });
  }
}
