import type { CapturesStorage, StoredCapture, StoredSignedRequest } from "../storage.ts";
import { createBodyReader, storedBody, storedBodyColumns } from "./bodies.ts";
import type { PrismaModels } from "./models.ts";

// What list views and the live stream need: never the body, headers or URL.
export const summaryColumns = {
  id: true,
  binId: true,
  seq: true,
  method: true,
  path: true,
  query: true,
  contentType: true,
  size: true,
  ip: true,
  receivedAt: true,
  signatureProvider: true,
  signatureStatus: true,
  signatureReason: true,
} as const;

type SummaryRow = Omit<StoredCapture, "receivedAt"> & { receivedAt: bigint };

function toCapture(row: SummaryRow): StoredCapture {
  return { ...row, receivedAt: Number(row.receivedAt) };
}

const signedRequestColumns = { seq: true, method: true, url: true, headers: true, receivedAt: true, ...storedBodyColumns } as const;

type SignedRow = { id: string; seq: number; method: string; url: string; headers: string; receivedAt: bigint; body: Uint8Array; size: number };

function toSignedRequest(row: SignedRow): StoredSignedRequest {
  return { id: row.id, seq: row.seq, method: row.method, url: row.url, headers: row.headers, receivedAt: Number(row.receivedAt), body: storedBody(row) };
}

export function createCapturesRepository(db: PrismaModels): CapturesStorage {
  const bodies = createBodyReader(db);
  return {
    async page(binId, { limit, cursor }) {
      const [bin, rows] = await Promise.all([
        db.bin.findUnique({ where: { id: binId }, select: { id: true } }),
        db.capturedRequest.findMany({
          where: { binId, ...(cursor !== undefined ? { seq: { lt: cursor } } : {}) },
          orderBy: { seq: "desc" },
          take: limit + 1,
          select: summaryColumns,
        }),
      ]);
      if (!bin) return null;
      const captures = rows.slice(0, limit).map(toCapture);
      const last = captures.at(-1);
      return { captures, nextCursor: rows.length > limit && last ? last.seq : null };
    },

    async latestSeq(binId) {
      const bin = await db.bin.findUnique({ where: { id: binId }, select: { lastSeq: true } });
      return bin?.lastSeq ?? 0;
    },

    async after(binId, afterSeq, limit) {
      const rows = await db.capturedRequest.findMany({
        where: { binId, seq: { gt: afterSeq } },
        orderBy: { seq: "asc" },
        take: limit,
        select: summaryColumns,
      });
      return rows.map(toCapture);
    },

    async seqOfRequestId(binId, requestId) {
      const row = await db.capturedRequest.findFirst({
        where: { binId, id: { lte: requestId } },
        orderBy: { seq: "desc" },
        select: { seq: true },
      });
      return row?.seq ?? 0;
    },

    async detail(binId, requestId) {
      const row = await db.capturedRequest.findFirst({
        where: { id: requestId, binId },
        select: { ...summaryColumns, url: true, headers: true, body: true, answerStatus: true, answerBy: true, answerRule: true },
      });
      if (!row) return null;
      const { body, url, headers, answerStatus, answerBy, answerRule, ...summary } = row;
      return { ...toCapture(summary), url, headers, answerStatus, answerBy, answerRule, body: storedBody({ id: row.id, body, size: row.size }) };
    },

    async body(binId, requestId) {
      const row = await db.capturedRequest.findFirst({
        where: { id: requestId, binId },
        select: { ...storedBodyColumns, contentType: true },
      });
      return row ? { body: storedBody(row), contentType: row.contentType } : null;
    },

    ...bodies,

    async delete(binId, requestId) {
      const { count } = await db.capturedRequest.deleteMany({ where: { id: requestId, binId } });
      return count > 0;
    },

    async clear(binId) {
      // Up to the newest place given when the clear starts: a capture another writer
      // commits meanwhile is newer than the clear, and the clients keep it (`throughSeq`).
      const bin = await db.bin.findUnique({ where: { id: binId }, select: { lastSeq: true } });
      if (!bin) return null;
      const { count } = await db.capturedRequest.deleteMany({ where: { binId, seq: { lte: bin.lastSeq } } });
      return { removed: count, throughSeq: bin.lastSeq };
    },

    async signedRequest(binId, requestId) {
      const row = await db.capturedRequest.findFirst({ where: { id: requestId, binId }, select: signedRequestColumns });
      return row ? toSignedRequest(row) : null;
    },

    async signedRequestsAfter(binId, afterSeq, limit) {
      const rows = await db.capturedRequest.findMany({
        where: { binId, seq: { gt: afterSeq } },
        orderBy: { seq: "asc" },
        take: limit,
        select: signedRequestColumns,
      });
      return rows.map(toSignedRequest);
    },

    async writeVerdicts(verdicts) {
      // updateMany, not update: a capture deleted since its page was read is skipped, not an error.
      await db.$transaction(verdicts.map(({ id, verdict }) => db.capturedRequest.updateMany({ where: { id }, data: verdict })));
    },

    async clearVerdicts(binId) {
      const { count } = await db.capturedRequest.updateMany({
        where: { binId },
        data: { signatureProvider: null, signatureStatus: null, signatureReason: null },
      });
      return count;
    },
  };
}
