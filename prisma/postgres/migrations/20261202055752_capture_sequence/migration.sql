/*
  Warnings:

  - A unique constraint covering the columns `[binId,seq]` on the table `CapturedRequest` will be added. If there are existing duplicate values, this will fail.

*/
-- DropIndex
DROP INDEX "CapturedRequest_binId_id_idx";

-- AlterTable
ALTER TABLE "Bin" ADD COLUMN     "lastSeq" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "CapturedRequest" ADD COLUMN     "seq" INTEGER NOT NULL DEFAULT 0;

-- Existing captures are numbered in their arrival order (their ids), per bin.
UPDATE "CapturedRequest" SET "seq" = "numbered"."n"
  FROM (SELECT "id", row_number() OVER (PARTITION BY "binId" ORDER BY "id") AS "n" FROM "CapturedRequest") AS "numbered"
  WHERE "numbered"."id" = "CapturedRequest"."id";
UPDATE "Bin" SET "lastSeq" = coalesce((SELECT max("seq") FROM "CapturedRequest" WHERE "binId" = "Bin"."id"), 0);

-- CreateIndex
CREATE UNIQUE INDEX "CapturedRequest_binId_seq_key" ON "CapturedRequest"("binId", "seq");
