import { afterAll, beforeAll } from "vitest";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { createClient } from "./client.ts";

/**
 * For storage's own tests: a Prisma client of their own on the test's SQLite file
 * (`useTestDatabase`), to look at or plant rows the storage interface does not show
 * (lastUsedAt, a row written behind the writer's back). Call after `useTestDatabase`,
 * whose hooks run first; read the client inside tests or hooks.
 */
export function useRowInspector(database: { readonly file: string }): () => PrismaClient {
  let client: PrismaClient | undefined;
  beforeAll(() => {
    client = createClient(database.file);
  });
  afterAll(async () => {
    await client?.$disconnect();
  });
  return () => {
    if (!client) throw new Error("useRowInspector: read the client inside a test or hook");
    return client;
  };
}
