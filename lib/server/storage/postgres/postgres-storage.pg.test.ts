import { fileURLToPath } from "node:url";
import { createTestDatabase, describeWithPostgres } from "@/e2e/support/postgres.ts";
import { claimLapsesWithinMs, describeStorage } from "../storage.suite.ts";
import { createPostgresStorage } from "./driver.ts";

const migrationsDir = fileURLToPath(new URL("../../../../prisma/postgres/migrations", import.meta.url));

// The contract every driver passes (storage.suite.ts), here on a real PostgreSQL: a new
// database per storage, migrated by the driver's own open.
describeWithPostgres("PostgreSQL driver", () => {
  describeStorage("PostgreSQL", async () =>
    createPostgresStorage({ url: await createTestDatabase("storage"), migrationsDir, maxCapturesPerBin: 1_000, jobLeaseMs: claimLapsesWithinMs }),
  );
});
