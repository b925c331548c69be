import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "../../generated/prisma/client.ts";
import { getConfig } from "../../../config.ts";

export type Database = PrismaClient;

// The custom server and Next's bundles each load this module; one client per
// process keeps a single SQLite connection and one write path.
const clientKey = Symbol.for("hookyard.prisma");
type WithClient = typeof globalThis & { [clientKey]?: PrismaClient };

const slowQueryMs = 200;

function createClient(databaseFile: string): PrismaClient {
  const adapter = new PrismaBetterSqlite3({ url: `file:${databaseFile}`, timeout: 5_000 });
  const client = new PrismaClient({ adapter, log: [{ emit: "event", level: "query" }] });
  client.$on("query", (event) => {
    if (event.duration >= slowQueryMs) {
      console.warn(`[db] slow query (${event.duration} ms): ${event.query.slice(0, 200)}`);
    }
  });
  return client;
}

/** The process-wide Prisma client, created on first use. */
export function getDb(): PrismaClient {
  const holder = globalThis as WithClient;
  holder[clientKey] ??= createClient(getConfig().databaseFile);
  return holder[clientKey];
}

/**
 * Connection settings that SQLite keeps per connection, so they are set once on the
 * shared connection at boot. NORMAL in WAL mode keeps every committed row through a
 * process crash (not a power cut) at a fraction of FULL's cost.
 */
export async function configureConnection(db: PrismaClient = getDb(), maxDatabaseBytes: number = getConfig().maxDatabaseBytes): Promise<void> {
  await db.$executeRawUnsafe("PRAGMA foreign_keys = ON");
  await db.$executeRawUnsafe("PRAGMA synchronous = NORMAL");
  // MAX_DATABASE_BYTES binds each connection that writes; the capture writer's own sets it too.
  if (maxDatabaseBytes > 0) {
    const [{ page_size: pageSize }] = await db.$queryRawUnsafe<[{ page_size: number | bigint }]>("PRAGMA page_size");
    await db.$queryRawUnsafe(`PRAGMA max_page_count = ${Math.max(1, Math.floor(maxDatabaseBytes / Number(pageSize)))}`);
  }
}

export async function closeDb(): Promise<void> {
  const holder = globalThis as WithClient;
  const client = holder[clientKey];
  holder[clientKey] = undefined;
  await client?.$disconnect();
}
