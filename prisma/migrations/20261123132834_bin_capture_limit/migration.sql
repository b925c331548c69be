-- AlterTable
ALTER TABLE "Bin" ADD COLUMN "maxCaptures" INTEGER;
