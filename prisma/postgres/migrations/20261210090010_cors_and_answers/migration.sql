-- AlterTable
ALTER TABLE "Bin" ADD COLUMN     "cors" BOOLEAN NOT NULL DEFAULT true;

-- AlterTable
ALTER TABLE "CapturedRequest" ADD COLUMN     "answerBy" TEXT,
ADD COLUMN     "answerRule" INTEGER,
ADD COLUMN     "answerStatus" INTEGER;
