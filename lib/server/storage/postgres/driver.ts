import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../../generated/prisma-postgres/client.ts";
import type { PrismaModels } from "../prisma/models.ts";
import { createPrismaRepositories } from "../prisma/repositories.ts";
import type { Storage } from "../storage.ts";
import { createPostgresCaptureStore, type PostgresCaptureStoreOptions } from "./capture-store.ts";
import { postgresJobSteps } from "./jobs.ts";
import { applyPostgresMigrations } from "./migrate.ts";

export type PostgresStorageOptions = Omit<PostgresCaptureStoreOptions, "timeoutMs"> & {
  /** `postgres://…` as DATABASE_URL gives it. */
  url: string;
  /** prisma/postgres/migrations: applied at open, under the advisory lock `prisma migrate deploy` takes. */
  migrationsDir: string;
  /** How long an auto-forward claim lasts before another instance may take the job (see jobs.ts). */
  jobLeaseMs: number;
  /** Longest a capture group, or a wait for a connection, may take before capture sheds with 503. */
  writeTimeoutMs?: number;
};

/** Connections of the capture writer's pool: group commit needs few, each busy for one group. */
const writerConnections = 4;
/** Prisma's pool, for the API, the pages and the workers. */
const queryConnections = 8;

/**
 * The driver for several instances sharing one PostgreSQL database: migrates (safe when
 * instances start together), then serves everything but captures through Prisma's model
 * API over @prisma/adapter-pg (the shared repositories, as SQLite's driver does), and
 * writes captures through a `pg` pool of its own with multi-row INSERTs in one
 * transaction per group (capture-store.ts, decision 013). The writer's pool also claims
 * auto-forward jobs, with SKIP LOCKED and a lease (jobs.ts).
 * @throws Error when the database cannot be reached or a migration fails
 */
export async function createPostgresStorage(options: PostgresStorageOptions): Promise<Storage> {
  await applyPostgresMigrations(options.url, options.migrationsDir);
  const writeTimeoutMs = options.writeTimeoutMs ?? 10_000;
  // Pipeline mode: a group's statements go out together (capture-store.ts, runInOrder).
  const pool = new pg.Pool({ connectionString: options.url, max: writerConnections, connectionTimeoutMillis: writeTimeoutMs, pipeline: true });
  // An idle connection the server ended (a restart, a failover) emits here; without a
  // listener that would end the process. The next query gets a fresh connection.
  pool.on("error", (error) => console.warn(`[postgres] an idle connection was closed: ${error.message}`));
  const client = new PrismaClient({ adapter: new PrismaPg({ connectionString: options.url, max: queryConnections }) });
  // Both clients come from the same models; see prisma/models.ts for why this one cast.
  const models = client as unknown as PrismaModels;
  const writer = createPostgresCaptureStore(pool, { ...options, timeoutMs: writeTimeoutMs });
  const repositories = createPrismaRepositories(models);
  return {
    kind: "postgres",
    ...repositories,
    forwarding: { ...repositories.forwarding, ...postgresJobSteps(pool, options.jobLeaseMs) },
    writer,
    health: {
      async ping() {
        await pool.query("SELECT 1");
      },
      probeWrite: () => writer.probeWrite(),
    },
    async close() {
      writer.close();
      await Promise.all([client.$disconnect(), pool.end()]);
    },
  };
}
