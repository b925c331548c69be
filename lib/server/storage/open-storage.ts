import path from "node:path";
import type { Config } from "../../config.ts";
import type { Storage } from "./storage.ts";
import { createSqliteStorage } from "./sqlite/driver.ts";

export type OpenStorageOptions = {
  /** The folder holding `migrations/` (SQLite's) and `postgres/migrations/`; by default ./prisma. */
  prismaDir?: string;
};

/**
 * Opens the driver DATABASE_URL names, migrated and ready: `file:` → SQLite. The caller
 * installs it (`installStorage`) and closes it.
 * @throws Error for PostgreSQL (its driver is not there yet), or when migrating fails
 */
export async function openStorage(
  config: Pick<Config, "database" | "maxCapturesPerBin" | "maxBinBytes" | "maxDatabaseBytes">,
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
      // The PostgreSQL driver's slot: postgres/driver.ts, `createPostgresStorage`, with
      // the prisma/ repositories over the generated/prisma-postgres client (one cast,
      // see prisma/models.ts), postgres/migrate.ts at open, and a writer of its own.
      throw new Error("DATABASE_URL names PostgreSQL, whose storage driver is not available yet: use a file: URL (SQLite) for now.");
  }
}
