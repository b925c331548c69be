-- Each bin's CORS switch (on, as every bin behaved before), and what Hookyard answered
-- each capture. Added in place rather than by rebuilding the tables: a rebuild copies
-- every stored body.
ALTER TABLE "Bin" ADD COLUMN "cors" BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE "CapturedRequest" ADD COLUMN "answerStatus" INTEGER;
ALTER TABLE "CapturedRequest" ADD COLUMN "answerBy" TEXT;
ALTER TABLE "CapturedRequest" ADD COLUMN "answerRule" INTEGER;
