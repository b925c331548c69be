import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": new URL("./", import.meta.url).pathname } },
  test: {
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["lib/**/*.test.ts", "components/**/*.test.ts", "cli/**/*.test.ts"], environment: "node" },
      },
      {
        // Against the real built server (dist/server.mjs) and a real SQLite file per test file.
        extends: true,
        test: {
          name: "integration",
          include: ["e2e/api/**/*.test.ts"],
          environment: "node",
          testTimeout: 30_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
