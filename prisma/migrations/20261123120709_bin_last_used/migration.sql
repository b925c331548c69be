-- AlterTable
ALTER TABLE "Bin" ADD COLUMN "lastUsedAt" BIGINT;

-- CreateIndex
CREATE INDEX "Bin_lastUsedAt_idx" ON "Bin"("lastUsedAt");
