-- AlterTable
ALTER TABLE "Bin" ADD COLUMN "lastUsedAt" BIGINT;
