import type { TestProject } from "vitest/node";
import { findPostgresBinDir, postgresInstallHint, startCluster, stopCluster } from "../../scripts/postgres-cluster.mjs";
import type { PostgresForTests } from "./postgres.ts";

/**
 * vitest globalSetup of the `postgres` project: one throwaway cluster for the whole run
 * (initdb and start take seconds; each test file gets its own database instead), handed
 * to the test files through `provide`. Stopped by the teardown, by an exit handler if the
 * run ends otherwise, and by the cluster's watchdog if this process is killed.
 *
 * Without PostgreSQL the files skip, saying how to install it, except under CI=true,
 * where that fails the run: CI must never pass by not testing the PostgreSQL backend.
 */
export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  const binDir = findPostgresBinDir();
  if (!binDir) {
    const reason = `PostgreSQL not found under /usr/lib/postgresql/*/bin. ${postgresInstallHint}`;
    if (process.env.CI === "true") throw new Error(`${reason} CI=true: the PostgreSQL tests must run, so the run fails.`);
    console.warn(`[postgres] ${reason} The PostgreSQL tests are skipped.`);
    project.provide("postgres", { available: false, reason } satisfies PostgresForTests);
    return undefined;
  }
  const cluster = await startCluster({ binDir });
  const stopOnExit = () => stopCluster(cluster);
  process.once("exit", stopOnExit);
  project.provide("postgres", { available: true, cluster } satisfies PostgresForTests);
  return () => {
    process.off("exit", stopOnExit);
    stopCluster(cluster);
  };
}
