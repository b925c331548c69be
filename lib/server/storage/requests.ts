import type { HeaderPair, RequestDetail, RequestPage, RequestSummary } from "../../types.ts";
import { binNotFound } from "../bins/bins.ts";
import { capturedBody, capturedBodyStream, storedBodyColumns } from "./bodies.ts";
import { forgetCaptureCount } from "./capture-counts.ts";
import { getDb } from "./db.ts";
import { AppError } from "../errors.ts";
import { getEventBus } from "../live/events.ts";
import { type StoredVerdict, toVerdict } from "../signatures/signature-checks.ts";
import { detectProvider } from "../signatures/index.ts";

// What list views and the live stream need: never the body, headers or URL.
const summarySelect = {
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

type SummaryRow = {
  id: string;
  binId: string;
  seq: number;
  method: string;
  path: string;
  query: string;
  contentType: string | null;
  size: number;
  ip: string;
  /** SQLite hands back a bigint; a row not yet read back has a number. */
  receivedAt: bigint | number;
} & StoredVerdict;

type DetailRow = SummaryRow & { url: string; headers: string };

export function toSummary(row: SummaryRow): RequestSummary {
  return {
    id: row.id,
    binId: row.binId,
    seq: row.seq,
    method: row.method,
    path: row.path,
    query: row.query,
    contentType: row.contentType,
    size: row.size,
    ip: row.ip,
    receivedAt: Number(row.receivedAt),
    signature: toVerdict(row),
  };
}

function toDetail(row: DetailRow, body: Uint8Array): RequestDetail {
  const headers = JSON.parse(row.headers) as HeaderPair[];
  return {
    ...toSummary(row),
    url: row.url,
    headers,
    bodyBase64: Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("base64"),
    suggestedProvider: detectProvider(headers),
  };
}

/**
 * Newest first. `cursor` is the `seq` of the last capture of the previous page.
 * @throws AppError not_found when the bin does not exist
 */
export async function listRequests(binId: string, options: { limit: number; cursor?: number }): Promise<RequestPage> {
  const db = getDb();
  const [bin, rows] = await Promise.all([
    db.bin.findUnique({ where: { id: binId }, select: { id: true } }),
    db.capturedRequest.findMany({
      where: { binId, ...(options.cursor !== undefined ? { seq: { lt: options.cursor } } : {}) },
      orderBy: { seq: "desc" },
      take: options.limit + 1,
      select: summarySelect,
    }),
  ]);
  if (!bin) throw binNotFound(binId);
  const page = rows.slice(0, options.limit).map(toSummary);
  const last = page.at(-1);
  const nextCursor = rows.length > options.limit && last ? String(last.seq) : null;
  return { requests: page, nextCursor };
}

/** In place order, strictly after `afterSeq` (0: from the start): what a resuming stream missed. */
export async function listRequestsAfter(binId: string, afterSeq: number, limit: number): Promise<RequestSummary[]> {
  const rows = await getDb().capturedRequest.findMany({
    where: { binId, seq: { gt: afterSeq } },
    orderBy: { seq: "asc" },
    take: limit,
    select: summarySelect,
  });
  return rows.map(toSummary);
}

/**
 * The place to resume after, for a client that names a capture by its id (as streams did
 * before captures had places, so a relay's saved state still works): that capture's
 * `seq`, or, when it is gone, the highest of the captures that arrived before it.
 */
export async function seqOfRequestId(binId: string, requestId: string): Promise<number> {
  const row = await getDb().capturedRequest.findFirst({
    where: { binId, id: { lte: requestId } },
    orderBy: { seq: "desc" },
    select: { seq: true },
  });
  return row?.seq ?? 0;
}

/** @throws AppError not_found */
export async function getRequestOrThrow(binId: string, requestId: string): Promise<RequestDetail> {
  const row = await getDb().capturedRequest.findFirst({
    where: { id: requestId, binId },
    select: { ...summarySelect, url: true, headers: true, ...storedBodyColumns },
  });
  if (!row) throw requestNotFound(requestId);
  return toDetail(row, await capturedBody(row));
}

/**
 * The body bytes exactly as captured (a large body as a stream read from the database
 * as it is consumed), with its length. @throws AppError not_found
 */
export async function getRequestBodyOrThrow(
  binId: string,
  requestId: string,
): Promise<{ body: Uint8Array | ReadableStream<Uint8Array>; size: number; contentType: string | null }> {
  const row = await getDb().capturedRequest.findFirst({
    where: { id: requestId, binId },
    select: { ...storedBodyColumns, contentType: true },
  });
  if (!row) throw requestNotFound(requestId);
  return { body: capturedBodyStream(row), size: row.size, contentType: row.contentType };
}

/** @throws AppError not_found */
export async function deleteRequest(binId: string, requestId: string): Promise<void> {
  const { count } = await getDb().capturedRequest.deleteMany({ where: { id: requestId, binId } });
  if (count === 0) throw requestNotFound(requestId);
  forgetCaptureCount(binId);
  getEventBus().publish(binId, { type: "request-deleted", binId, requestId });
}

/** Deletes every capture of the bin. @throws AppError not_found when the bin does not exist */
export async function clearRequests(binId: string): Promise<number> {
  const db = getDb();
  const bin = await db.bin.findUnique({ where: { id: binId }, select: { id: true } });
  if (!bin) throw binNotFound(binId);
  const { count } = await db.capturedRequest.deleteMany({ where: { binId } });
  forgetCaptureCount(binId);
  getEventBus().publish(binId, { type: "requests-cleared", binId });
  return count;
}

function requestNotFound(requestId: string): AppError {
  return new AppError("not_found", `No capture with id ${requestId} in this bin.`);
}
