import { describe, inject } from "vitest";
import { createDatabase, type PostgresCluster } from "../../scripts/postgres-cluster.mjs";

/** What the `postgres` project's globalSetup (postgres-global-setup.ts) hands to test files. */
export type PostgresForTests = { available: true; cluster: PostgresCluster } | { available: false; reason: string };

declare module "vitest" {
  export interface ProvidedContext {
    postgres: PostgresForTests;
  }
}

const outsideProject: PostgresForTests = {
  available: false,
  reason: "no test cluster: PostgreSQL tests are *.pg.test.ts files, run by vitest's `postgres` project (vitest.config.ts)",
};

/** The run's cluster, or why there is none. */
export function testPostgres(): PostgresForTests {
  return inject("postgres") ?? outsideProject;
}

/**
 * `describe` for tests that need PostgreSQL: skipped, with the reason in its name, when
 * the run has no cluster (PostgreSQL is not installed, outside CI).
 */
export function describeWithPostgres(name: string, body: () => void): void {
  const postgres = testPostgres();
  if (postgres.available) describe(name, body);
  else describe.skip(`${name} (skipped: ${postgres.reason})`, body);
}

/**
 * A new empty database on the run's cluster, owned by the product's role, and its URL
 * (`postgres://hookyard:…@127.0.0.1:<port>/<name>_<random>`). Throws without a cluster.
 */
export async function createTestDatabase(name: string): Promise<string> {
  const postgres = testPostgres();
  if (!postgres.available) throw new Error(`No PostgreSQL for ${name}: ${postgres.reason}`);
  return createDatabase(postgres.cluster, name);
}
