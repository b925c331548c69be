import type { HeaderPair, RequestDetail, RequestPage, RequestSummary } from "../../types.ts";
import { binNotFound } from "../bins/bins.ts";
import { capturedBody, capturedBodyStream, storedBodyColumns } from "./bodies.ts";
import { forgetCaptureCount } from "./capture-counts.ts";
import { getDb } from "./sqlite/client.ts";
import { AppError } from "../errors.ts";
import { getEventBus } from "../live/events.ts";
import { type StoredVerdict, toVerdict } from "../signatures/signature-checks.ts";
import { detectProvider } from "../signatures/index.ts";

// What list views and the live stream need: never the body, headers or URL.
const summarySelect = {
  id: true,
  binId: true,
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
 * Newest first. `cursor` is the id of the last capture of the previous page.
 * @throws AppError not_found when the bin does not exist
 */
export async function listRequests(binId: string, options: { limit: number; cursor?: string }): Promise<RequestPage> {
  const db = getDb();
  const [bin, rows] = await Promise.all([
    db.bin.findUnique({ where: { id: binId }, select: { id: true } }),
    db.capturedRequest.findMany({
      where: { binId, ...(options.cursor ? { id: { lt: options.cursor } } : {}) },
      orderBy: { id: "desc" },
      take: options.limit + 1,
      select: summarySelect,
    }),
  ]);
  if (!bin) throw binNotFound(binId);
  const page = rows.slice(0, options.limit).map(toSummary);
  const nextCursor = rows.length > options.limit ? (page.at(-1)?.id ?? null) : null;
  return { requests: page, nextCursor };
}

/** Oldest first, strictly after `afterId` (or from the start): what a resuming stream missed. */
export async function listRequestsAfter(binId: string, afterId: string | undefined, limit: number): Promise<RequestSummary[]> {
  const rows = await getDb().capturedRequest.findMany({
    where: { binId, ...(afterId ? { id: { gt: afterId } } : {}) },
    orderBy: { id: "asc" },
    take: limit,
    select: summarySelect,
  });
  return rows.map(toSummary);
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
