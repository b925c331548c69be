-- Each capture's place in its bin (CapturedRequest.seq) and each bin's newest place
-- (Bin.lastSeq). Added in place rather than by rebuilding the tables as Prisma would:
-- a rebuild copies every stored body, doubling the file for a while on a disk that
-- may be nearly full.
ALTER TABLE "Bin" ADD COLUMN "lastSeq" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "CapturedRequest" ADD COLUMN "seq" INTEGER NOT NULL DEFAULT 0;

-- Existing captures are numbered in their arrival order (their ids), per bin.
UPDATE "CapturedRequest" SET "seq" = "numbered"."n"
  FROM (SELECT "id", row_number() OVER (PARTITION BY "binId" ORDER BY "id") AS "n" FROM "CapturedRequest") AS "numbered"
  WHERE "numbered"."id" = "CapturedRequest"."id";
UPDATE "Bin" SET "lastSeq" = coalesce((SELECT max("seq") FROM "CapturedRequest" WHERE "binId" = "Bin"."id"), 0);

-- The (binId, seq) key serves everything the (binId, id) index did.
DROP INDEX "CapturedRequest_binId_id_idx";
CREATE UNIQUE INDEX "CapturedRequest_binId_seq_key" ON "CapturedRequest"("binId", "seq");
