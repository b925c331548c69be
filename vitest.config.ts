import { configDefaults, defineConfig } from "vitest/config";

// PostgreSQL tests (*.pg.test.ts) run only in their own project, so the throwaway cluster
// is started only when one of them is queued.
const postgresTests = "**/*.pg.test.ts";

export default defineConfig({
  resolve: { alias: { "@": new URL("./", import.meta.url).pathname } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["lib/**/*.test.ts", "components/**/*.test.ts", "cli/**/*.test.ts"],
          exclude: [...configDefaults.exclude, postgresTests],
          environment: "node",
        },
      },
      {
        // Against the real built server (dist/server.mjs) and a real SQLite file per test file.
        extends: true,
        test: {
          name: "integration",
          include: ["e2e/api/**/*.test.ts"],
          exclude: [...configDefaults.exclude, postgresTests],
          environment: "node",
          testTimeout: 30_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        // The built server on PostgreSQL: several instances on one database, the run's
        // cluster (or one of a test's own, to restart it) as in the `postgres` project.
        extends: true,
        test: {
          name: "postgres-integration",
          include: [`e2e/api/${postgresTests}`],
          environment: "node",
          globalSetup: ["e2e/support/postgres-global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        // Against one real PostgreSQL cluster per run (e2e/support/postgres-global-setup.ts),
        // a database per test file (e2e/support/postgres.ts).
        extends: true,
        test: {
          name: "postgres",
          include: [`lib/${postgresTests}`],
          environment: "node",
          globalSetup: ["e2e/support/postgres-global-setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
