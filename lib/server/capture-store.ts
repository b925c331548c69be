import { Prisma } from "./generated/prisma/client.ts";
import { getDb } from "./db.ts";
import type { StoredVerdict } from "./signature-checks.ts";

/** One captured request as it is written: the row of `CapturedRequest`. */
export type CaptureRow = {
  id: string;
  binId: string;
  method: string;
  path: string;
  query: string;
  url: string;
  /** JSON of the ordered [name, value] pairs. */
  headers: string;
  contentType: string | null;
  body: Buffer;
  size: number;
  ip: string;
  receivedAt: number;
} & StoredVerdict;

/** Where captures are written, all rows or none. The seam a PostgreSQL backend would fill. */
export type CaptureStore = { insertAll(rows: readonly CaptureRow[]): Promise<void> };

/**
 * Writes a whole group as one multi-row INSERT. Prisma's `createMany` recompiles its
 * query plan for every batch and costs several times more per row; raw SQL skips
 * that, so the capture tests read rows written here back through the normal client.
 * The statement is plain SQL with quoted identifiers, valid on PostgreSQL as well.
 */
export function createPrismaCaptureStore(): CaptureStore {
  return {
    async insertAll(rows) {
      if (rows.length === 0) return;
      const values = rows.map(
        (row) =>
          Prisma.sql`(${row.id}, ${row.binId}, ${row.method}, ${row.path}, ${row.query}, ${row.url}, ${row.headers}, ${row.contentType}, ${row.body}, ${row.size}, ${row.ip}, ${BigInt(row.receivedAt)}, ${row.signatureProvider}, ${row.signatureStatus}, ${row.signatureReason})`,
      );
      await getDb().$executeRaw`INSERT INTO "CapturedRequest" ("id", "binId", "method", "path", "query", "url", "headers", "contentType", "body", "size", "ip", "receivedAt", "signatureProvider", "signatureStatus", "signatureReason") VALUES ${Prisma.join(values)}`;
    },
  };
}
