-- AlterTable
ALTER TABLE "Bin" ADD COLUMN "signatureOptions" TEXT;
ALTER TABLE "Bin" ADD COLUMN "signatureProvider" TEXT;
ALTER TABLE "Bin" ADD COLUMN "signatureSecrets" TEXT;

-- AlterTable
ALTER TABLE "CapturedRequest" ADD COLUMN "signatureProvider" TEXT;
ALTER TABLE "CapturedRequest" ADD COLUMN "signatureReason" TEXT;
ALTER TABLE "CapturedRequest" ADD COLUMN "signatureStatus" TEXT;
