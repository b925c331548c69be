-- AlterTable
ALTER TABLE "Bin" ADD COLUMN "forwardUrl" TEXT;

-- CreateTable
CREATE TABLE "ForwardAttempt" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "requestId" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "requestHeaders" TEXT NOT NULL,
    "requestSize" INTEGER NOT NULL,
    "resigned" BOOLEAN NOT NULL DEFAULT false,
    "status" INTEGER,
    "error" TEXT,
    "responseHeaders" TEXT,
    "responseBody" BLOB,
    "responseTruncated" BOOLEAN NOT NULL DEFAULT false,
    "durationMs" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ForwardAttempt_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "CapturedRequest" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "ForwardAttempt_requestId_id_idx" ON "ForwardAttempt"("requestId", "id");
