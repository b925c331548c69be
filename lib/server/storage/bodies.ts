import { getDb } from "./sqlite/client.ts";
import { AppError } from "../errors.ts";

/**
 * Reading a capture's body back. A small body sits in `CapturedRequest.body`; a large
 * one is stored by the capture store as ordered `BodyChunk` rows and the inline column
 * is left empty (see lib/server/capture-store.ts). Every reader goes through here, so
 * the split is known in one place (and a PostgreSQL store implements it once).
 */

/** The columns a reader selects so `capturedBody` / `capturedBodyStream` can answer. */
export const storedBodyColumns = { id: true, body: true, size: true } as const;

/** A capture as selected with `storedBodyColumns`. */
export type StoredBody = { id: string; body: Uint8Array; size: number };

/** Chunk rows read per query while streaming: at most a few MiB held at once. */
const chunksPerRead = 16;

/** A body shorter than its recorded size lives in chunk rows. */
function isChunked(row: StoredBody): boolean {
  return row.body.byteLength < row.size;
}

/** The body's bytes exactly as captured, in one buffer. @throws AppError not_found when the capture went while being read */
export async function capturedBody(row: StoredBody): Promise<Uint8Array> {
  if (!isChunked(row)) return row.body;
  const whole = Buffer.allocUnsafe(row.size);
  let offset = 0;
  for await (const chunk of bodyChunks(row)) {
    whole.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return whole;
}

/** Like `capturedBody`, but null when the capture was deleted while its body was read. */
export async function capturedBodyIfStored(row: StoredBody): Promise<Uint8Array | null> {
  try {
    return await capturedBody(row);
  } catch (error) {
    if (error instanceof AppError && error.code === "not_found") return null;
    throw error;
  }
}

/**
 * The body to send: a small one as its bytes, a chunked one as a stream read a few
 * chunks at a time as the consumer pulls, so serving a large body never holds all of
 * it. A capture deleted mid-stream errors the stream.
 */
export function capturedBodyStream(row: StoredBody): Uint8Array | ReadableStream<Uint8Array> {
  if (!isChunked(row)) return row.body;
  const chunks = bodyChunks(row);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
}

/**
 * Yields the body's pieces in order; checks they are contiguous and add up to `size`.
 * @throws AppError not_found when chunks are missing (the capture was deleted meanwhile)
 */
async function* bodyChunks(row: StoredBody): AsyncGenerator<Uint8Array, void, undefined> {
  if (!isChunked(row)) {
    if (row.body.byteLength > 0) yield row.body;
    return;
  }
  let seq = 0;
  let total = 0;
  for (;;) {
    const page = await getDb().bodyChunk.findMany({
      where: { requestId: row.id, seq: { gte: seq } },
      orderBy: { seq: "asc" },
      take: chunksPerRead,
      select: { seq: true, data: true },
    });
    for (const chunk of page) {
      total += chunk.data.byteLength;
      if (chunk.seq !== seq || total > row.size) throw bodyGone(row.id);
      seq += 1;
      yield chunk.data;
    }
    if (page.length < chunksPerRead) break;
  }
  if (total !== row.size) throw bodyGone(row.id);
}

function bodyGone(requestId: string): AppError {
  return new AppError("not_found", `The body of capture ${requestId} is no longer stored (the capture was deleted).`);
}
