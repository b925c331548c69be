-- CreateTable
CREATE TABLE "BinAlias" (
    "alias" TEXT NOT NULL PRIMARY KEY,
    "binId" TEXT NOT NULL,
    CONSTRAINT "BinAlias_binId_fkey" FOREIGN KEY ("binId") REFERENCES "Bin" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "BinResponse" (
    "binId" TEXT NOT NULL PRIMARY KEY,
    "response" TEXT,
    "rules" TEXT NOT NULL DEFAULT '[]',
    CONSTRAINT "BinResponse_binId_fkey" FOREIGN KEY ("binId") REFERENCES "Bin" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "BinAlias_binId_key" ON "BinAlias"("binId");
