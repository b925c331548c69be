import type { Prisma, PrismaClient } from "../../generated/prisma/client.ts";

/**
 * The Prisma client the shared repositories in this folder are written against: the
 * SQLite client's type. Both generated clients (lib/server/generated/prisma and
 * prisma-postgres) come from the same models (prisma/postgres/schema.prisma is generated
 * from prisma/schema.prisma) and behave the same for every call made here, but TypeScript
 * does not see PostgreSQL's as assignable to SQLite's: their filter and transaction
 * option types differ (PostgreSQL's string filters take `mode`, its transactions more
 * isolation levels). So the PostgreSQL driver hands its client in through ONE cast, at
 * its boundary (`client as unknown as PrismaModels`), and nothing here may use what only
 * one provider has. Raw SQL does not belong here either: it lives in the drivers.
 */
export type PrismaModels = PrismaClient;

/** An interactive transaction's client, as `$transaction(async (tx) => …)` hands it over. */
export type PrismaTx = Prisma.TransactionClient;
