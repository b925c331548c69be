-- CreateTable
CREATE TABLE "BinGrant" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "binId" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "label" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" BIGINT,
    CONSTRAINT "BinGrant_binId_fkey" FOREIGN KEY ("binId") REFERENCES "Bin" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "BinGrant_tokenHash_key" ON "BinGrant"("tokenHash");

-- CreateIndex
CREATE INDEX "BinGrant_binId_idx" ON "BinGrant"("binId");
