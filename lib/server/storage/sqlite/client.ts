import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "../../generated/prisma/client.ts";

const slowQueryMs = 200;

/** A Prisma client on the SQLite file, logging slow queries. The SQLite driver holds one per process. */
export function createClient(databaseFile: string): PrismaClient {
  const adapter = new PrismaBetterSqlite3({ url: `file:${databaseFile}`, timeout: 5_000 });
  const client = new PrismaClient({ adapter, log: [{ emit: "event", level: "query" }] });
  client.$on("query", (event) => {
    if (event.duration >= slowQueryMs) {
      console.warn(`[db] slow query (${event.duration} ms): ${event.query.slice(0, 200)}`);
    }
  });
  return client;
}

/**
 * Connection settings that SQLite keeps per connection, so they are set once on the
 * shared connection when the driver opens. NORMAL in WAL mode keeps every committed row
 * through a process crash (not a power cut) at a fraction of FULL's cost.
 */
export async function configureConnection(db: PrismaClient, maxDatabaseBytes: number): Promise<void> {
  await db.$executeRawUnsafe("PRAGMA foreign_keys = ON");
  await db.$executeRawUnsafe("PRAGMA synchronous = NORMAL");
  // MAX_DATABASE_BYTES binds each connection that writes; the capture writer's own sets it too.
  if (maxDatabaseBytes > 0) {
    const [{ page_size: pageSize }] = await db.$queryRawUnsafe<[{ page_size: number | bigint }]>("PRAGMA page_size");
    await db.$queryRawUnsafe(`PRAGMA max_page_count = ${Math.max(1, Math.floor(maxDatabaseBytes / Number(pageSize)))}`);
  }
}
