-- CreateTable
CREATE TABLE "AutoForward" (
    "binId" TEXT NOT NULL PRIMARY KEY,
    "url" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "maxAttempts" INTEGER NOT NULL,
    CONSTRAINT "AutoForward_binId_fkey" FOREIGN KEY ("binId") REFERENCES "Bin" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ForwardJob" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "requestId" TEXT NOT NULL,
    "binId" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "maxAttempts" INTEGER NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "state" TEXT NOT NULL,
    "nextAttemptAt" BIGINT NOT NULL,
    "lastError" TEXT,
    CONSTRAINT "ForwardJob_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "CapturedRequest" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ForwardAttempt" (
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
    "automatic" BOOLEAN NOT NULL DEFAULT false,
    CONSTRAINT "ForwardAttempt_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "CapturedRequest" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_ForwardAttempt" ("createdAt", "durationMs", "error", "id", "method", "requestHeaders", "requestId", "requestSize", "resigned", "responseBody", "responseHeaders", "responseTruncated", "status", "target", "url") SELECT "createdAt", "durationMs", "error", "id", "method", "requestHeaders", "requestId", "requestSize", "resigned", "responseBody", "responseHeaders", "responseTruncated", "status", "target", "url" FROM "ForwardAttempt";
DROP TABLE "ForwardAttempt";
ALTER TABLE "new_ForwardAttempt" RENAME TO "ForwardAttempt";
CREATE INDEX "ForwardAttempt_requestId_id_idx" ON "ForwardAttempt"("requestId", "id");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "ForwardJob_state_nextAttemptAt_idx" ON "ForwardJob"("state", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "ForwardJob_requestId_idx" ON "ForwardJob"("requestId");
