import { defineConfig } from "prisma/config";

// Only the Prisma CLI reads this file. The app resolves DATABASE_URL in lib/config.ts.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "file:./data/hookyard.db" },
});
