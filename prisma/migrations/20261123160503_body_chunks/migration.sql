-- CreateTable
CREATE TABLE "BodyChunk" (
    "requestId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "data" BLOB NOT NULL,

    PRIMARY KEY ("requestId", "seq"),
    CONSTRAINT "BodyChunk_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "CapturedRequest" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
