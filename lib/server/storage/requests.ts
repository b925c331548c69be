import type { BodyEncoding, CaptureAnswer, HeaderPair, RequestDetail, RequestPage, RequestSummary } from "../../types.ts";
import { binNotFound } from "../bins/bins.ts";
import { forgetCaptureCount } from "./capture-counts.ts";
import { AppError } from "../errors.ts";
import { getEventBus } from "../live/events.ts";
import { toVerdict } from "../signatures/signature-checks.ts";
import { detectProvider } from "../signatures/index.ts";
import { viewBodyWithinBudget } from "../decoding/content-encoding.ts";
import { type StoredAnswer, type StoredCapture, type StoredCaptureDetail, getStorage } from "./storage.ts";

/** A capture as stored, or as the capture path wrote it (a CaptureRow), for list views and the live stream. */
export function toSummary(row: StoredCapture): RequestSummary {
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
    receivedAt: row.receivedAt,
    signature: toVerdict(row),
  };
}

function toDetail(row: StoredCaptureDetail, headers: HeaderPair[], body: Uint8Array, encoding: BodyEncoding | null): RequestDetail {
  return {
    ...toSummary(row),
    url: row.url,
    headers,
    bodyBase64: Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("base64"),
    suggestedProvider: detectProvider(headers),
    answer: toAnswer(row),
    encoding,
  };
}

const answerSources: ReadonlySet<string> = new Set<CaptureAnswer["by"]>(["built-in", "default", "rule", "preflight"]);

/** The stored answer, or null for a capture stored before answers were recorded (or a row that makes no sense). */
function toAnswer(row: StoredAnswer): CaptureAnswer | null {
  if (row.answerStatus === null || row.answerBy === null || !answerSources.has(row.answerBy)) return null;
  return { status: row.answerStatus, by: row.answerBy as CaptureAnswer["by"], rule: row.answerBy === "rule" ? row.answerRule : null };
}

/**
 * Newest first. `cursor` is the `seq` of the last capture of the previous page.
 * @throws AppError not_found when the bin does not exist
 */
export async function listRequests(binId: string, options: { limit: number; cursor?: number }): Promise<RequestPage> {
  const page = await getStorage().captures.page(binId, options);
  if (!page) throw binNotFound(binId);
  return { requests: page.captures.map(toSummary), nextCursor: page.nextCursor === null ? null : String(page.nextCursor) };
}

/** In place order, strictly after `afterSeq` (0: from the start): what a resuming stream missed. */
export async function listRequestsAfter(binId: string, afterSeq: number, limit: number): Promise<RequestSummary[]> {
  return (await getStorage().captures.after(binId, afterSeq, limit)).map(toSummary);
}

/**
 * The place to resume after, for a client that names a capture by its id (as streams did
 * before captures had places, so a relay's saved state still works): that capture's
 * `seq`, or, when it is gone, the highest of the captures that arrived before it.
 */
export async function seqOfRequestId(binId: string, requestId: string): Promise<number> {
  return getStorage().captures.seqOfRequestId(binId, requestId);
}

/**
 * The capture with its body. A body with a Content-Encoding is decoded here to give
 * its decoded size (or why it does not decode): bounded by MAX_DECODED_BODY_BYTES and
 * done off the event loop, the same order of work as reading and encoding the body in
 * base64 for the answer. @throws AppError not_found
 */
export async function getRequestOrThrow(binId: string, requestId: string): Promise<RequestDetail> {
  const { row, headers, body } = await readCaptureOrThrow(binId, requestId);
  const { encoding } = await viewBodyWithinBudget(headers, body);
  return toDetail(row, headers, body, encoding);
}

/** The capture's stored detail, its headers and its whole body. @throws AppError not_found */
export async function readCaptureOrThrow(binId: string, requestId: string): Promise<{ row: StoredCaptureDetail; headers: HeaderPair[]; body: Uint8Array }> {
  const { captures } = getStorage();
  const row = await captures.detail(binId, requestId);
  if (!row) throw requestNotFound(requestId);
  return { row, headers: JSON.parse(row.headers) as HeaderPair[], body: await captures.readBody(row.body) };
}

/**
 * The body bytes exactly as captured (a large body as a stream read from the database
 * as it is consumed), with its length. @throws AppError not_found
 */
export async function getRequestBodyOrThrow(
  binId: string,
  requestId: string,
): Promise<{ body: Uint8Array | ReadableStream<Uint8Array>; size: number; contentType: string | null }> {
  const { captures } = getStorage();
  const row = await captures.body(binId, requestId);
  if (!row) throw requestNotFound(requestId);
  return { body: captures.streamBody(row.body), size: row.body.size, contentType: row.contentType };
}

/** @throws AppError not_found */
export async function deleteRequest(binId: string, requestId: string): Promise<void> {
  if (!(await getStorage().captures.delete(binId, requestId))) throw requestNotFound(requestId);
  forgetCaptureCount(binId);
  getEventBus().publish(binId, { type: "request-deleted", binId, requestId });
}

/** Deletes every capture of the bin. @throws AppError not_found when the bin does not exist */
export async function clearRequests(binId: string): Promise<number> {
  const cleared = await getStorage().captures.clear(binId);
  if (cleared === null) throw binNotFound(binId);
  forgetCaptureCount(binId);
  getEventBus().publish(binId, { type: "requests-cleared", binId, throughSeq: cleared.throughSeq });
  return cleared.removed;
}

export function requestNotFound(requestId: string): AppError {
  return new AppError("not_found", `No capture with id ${requestId} in this bin.`);
}
