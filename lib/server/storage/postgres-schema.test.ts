import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { postgresSchemaFrom, postgresSchemaPath, sqliteSchemaPath } from "@/scripts/postgres-schema.mjs";

describe("prisma/postgres/schema.prisma", () => {
  it("is prisma/schema.prisma with PostgreSQL's provider and client folder (run `npm run db:generate` if not)", () => {
    expect(readFileSync(postgresSchemaPath, "utf8")).toBe(postgresSchemaFrom(readFileSync(sqliteSchemaPath, "utf8")));
  });

  it("differs from SQLite's only in the header, the provider and the generated client's folder", () => {
    const sqlite = readFileSync(sqliteSchemaPath, "utf8");
    const generated = postgresSchemaFrom(sqlite);
    expect(generated).toMatch(/^\/\/ GENERATED from prisma\/schema\.prisma/);
    expect(generated).toMatch(/datasource db \{\s*provider = "postgresql"\s*\}/);
    expect(generated).toContain('output       = "../../lib/server/generated/prisma-postgres"');
    expect(generated).not.toContain('"sqlite"');
    expect(generated.endsWith(sqlite.slice(sqlite.indexOf("model ")))).toBe(true);
  });

  it("cannot be made from a schema whose provider or output it does not recognise", () => {
    const sqlite = readFileSync(sqliteSchemaPath, "utf8");
    expect(() => postgresSchemaFrom(sqlite.replace('provider = "sqlite"', 'provider = "mysql"'))).toThrow(/sqlite datasource provider/);
    expect(() => postgresSchemaFrom(sqlite.replace('"../lib/server/generated/prisma"', '"./elsewhere"'))).toThrow(/output/);
  });
});
