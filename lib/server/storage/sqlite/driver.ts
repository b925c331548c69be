import { createPrismaRepositories } from "../prisma/repositories.ts";
import type { Storage } from "../storage.ts";
import { type CaptureStoreOptions, createSqliteCaptureStore } from "./capture-store.ts";
import { configureConnection, createClient } from "./client.ts";
import { applyMigrations } from "./migrate.ts";

export type SqliteStorageOptions = CaptureStoreOptions & {
  /** Absolute path of the database file; made (0600, in 0700 folders) when missing. */
  file: string;
  /** prisma/migrations: applied at open, as `prisma migrate deploy` would. */
  migrationsDir: string;
};

/**
 * The embedded driver: migrates the file (and switches it to WAL), then serves
 * everything through one Prisma client but captures, which a better-sqlite3 connection
 * of their own writes (capture-store.ts, docs/decisions/002).
 * @throws Error when a migration fails or was edited after it was applied
 */
export async function createSqliteStorage(options: SqliteStorageOptions): Promise<Storage> {
  applyMigrations(options.file, options.migrationsDir);
  const client = createClient(options.file);
  try {
    await configureConnection(client, options.maxDatabaseBytes ?? 0);
  } catch (error) {
    await client.$disconnect();
    throw error;
  }
  const writer = createSqliteCaptureStore(options.file, options);
  return {
    kind: "sqlite",
    ...createPrismaRepositories(client),
    writer,
    health: {
      async ping() {
        await client.$queryRawUnsafe("SELECT 1");
      },
      probeWrite: () => writer.probeWrite(),
    },
    async close() {
      writer.close();
      await client.$disconnect();
    },
  };
}
