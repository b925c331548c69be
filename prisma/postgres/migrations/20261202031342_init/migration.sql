-- CreateTable
CREATE TABLE "Bin" (
    "id" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "signatureProvider" TEXT,
    "signatureSecrets" TEXT,
    "signatureOptions" TEXT,
    "forwardUrl" TEXT,
    "lastUsedAt" BIGINT,
    "maxCaptures" INTEGER,

    CONSTRAINT "Bin_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BinGrant" (
    "id" TEXT NOT NULL,
    "binId" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "label" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" BIGINT,

    CONSTRAINT "BinGrant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BinAlias" (
    "alias" TEXT NOT NULL,
    "binId" TEXT NOT NULL,

    CONSTRAINT "BinAlias_pkey" PRIMARY KEY ("alias")
);

-- CreateTable
CREATE TABLE "BinResponse" (
    "binId" TEXT NOT NULL,
    "response" TEXT,
    "rules" TEXT NOT NULL DEFAULT '[]',

    CONSTRAINT "BinResponse_pkey" PRIMARY KEY ("binId")
);

-- CreateTable
CREATE TABLE "CapturedRequest" (
    "id" TEXT NOT NULL,
    "binId" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "query" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "headers" TEXT NOT NULL,
    "contentType" TEXT,
    "body" BYTEA NOT NULL,
    "size" INTEGER NOT NULL,
    "ip" TEXT NOT NULL,
    "receivedAt" BIGINT NOT NULL,
    "signatureProvider" TEXT,
    "signatureStatus" TEXT,
    "signatureReason" TEXT,

    CONSTRAINT "CapturedRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BodyChunk" (
    "requestId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,

    CONSTRAINT "BodyChunk_pkey" PRIMARY KEY ("requestId","seq")
);

-- CreateTable
CREATE TABLE "ForwardAttempt" (
    "id" TEXT NOT NULL,
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
    "responseBody" BYTEA,
    "responseTruncated" BOOLEAN NOT NULL DEFAULT false,
    "durationMs" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "automatic" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "ForwardAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AutoForward" (
    "binId" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "maxAttempts" INTEGER NOT NULL,

    CONSTRAINT "AutoForward_pkey" PRIMARY KEY ("binId")
);

-- CreateTable
CREATE TABLE "ForwardJob" (
    "id" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "binId" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "maxAttempts" INTEGER NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "state" TEXT NOT NULL,
    "nextAttemptAt" BIGINT NOT NULL,
    "lastError" TEXT,

    CONSTRAINT "ForwardJob_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Bin_lastUsedAt_idx" ON "Bin"("lastUsedAt");

-- CreateIndex
CREATE UNIQUE INDEX "BinGrant_tokenHash_key" ON "BinGrant"("tokenHash");

-- CreateIndex
CREATE INDEX "BinGrant_binId_idx" ON "BinGrant"("binId");

-- CreateIndex
CREATE UNIQUE INDEX "BinAlias_binId_key" ON "BinAlias"("binId");

-- CreateIndex
CREATE INDEX "CapturedRequest_binId_id_idx" ON "CapturedRequest"("binId", "id");

-- CreateIndex
CREATE INDEX "ForwardAttempt_requestId_id_idx" ON "ForwardAttempt"("requestId", "id");

-- CreateIndex
CREATE INDEX "ForwardJob_state_nextAttemptAt_idx" ON "ForwardJob"("state", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "ForwardJob_requestId_idx" ON "ForwardJob"("requestId");

-- AddForeignKey
ALTER TABLE "BinGrant" ADD CONSTRAINT "BinGrant_binId_fkey" FOREIGN KEY ("binId") REFERENCES "Bin"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BinAlias" ADD CONSTRAINT "BinAlias_binId_fkey" FOREIGN KEY ("binId") REFERENCES "Bin"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BinResponse" ADD CONSTRAINT "BinResponse_binId_fkey" FOREIGN KEY ("binId") REFERENCES "Bin"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CapturedRequest" ADD CONSTRAINT "CapturedRequest_binId_fkey" FOREIGN KEY ("binId") REFERENCES "Bin"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BodyChunk" ADD CONSTRAINT "BodyChunk_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "CapturedRequest"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ForwardAttempt" ADD CONSTRAINT "ForwardAttempt_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "CapturedRequest"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AutoForward" ADD CONSTRAINT "AutoForward_binId_fkey" FOREIGN KEY ("binId") REFERENCES "Bin"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ForwardJob" ADD CONSTRAINT "ForwardJob_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "CapturedRequest"("id") ON DELETE CASCADE ON UPDATE CASCADE;
