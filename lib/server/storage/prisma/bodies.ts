import { AppError } from "../../errors.ts";
import type { StoredBody } from "../storage.ts";
import type { PrismaModels } from "./models.ts";

/**
 * Reading a capture's body back. A small body sits in `CapturedRequest.body`; a large
 * one is stored by the capture writer as ordered `BodyChunk` rows and the inline column
 * is left empty (see sqlite/capture-store.ts). Every reader goes through here, so the
 * split is known in one place.
 */

/** The columns a reader selects so a `StoredBody` can be made of the row (`storedBody`). */
export const storedBodyColumns = { id: true, body: true, size: true } as const;

/** A row selected with `storedBodyColumns`, as the interface hands it out. */
export function storedBody(row: { id: string; body: Uint8Array; size: number }): StoredBody {
  return { requestId: row.id, inline: row.body, size: row.size };
}

/** Chunk rows read per query while streaming: at most a few MiB held at once. */
const chunksPerRead = 16;

/** A body shorter than its recorded size lives in chunk rows. */
function isChunked(body: StoredBody): boolean {
  return body.inline.byteLength < body.size;
}

export type BodyReader = {
  readBody(body: StoredBody): Promise<Uint8Array>;
  readBodyIfStored(body: StoredBody): Promise<Uint8Array | null>;
  streamBody(body: StoredBody): Uint8Array | ReadableStream<Uint8Array>;
};

export function createBodyReader(db: PrismaModels): BodyReader {
  /**
   * Yields the body's pieces in order; checks they are contiguous and add up to `size`.
   * @throws AppError not_found when chunks are missing (the capture was deleted meanwhile)
   */
  async function* bodyChunks(body: StoredBody): AsyncGenerator<Uint8Array, void, undefined> {
    if (!isChunked(body)) {
      if (body.inline.byteLength > 0) yield body.inline;
      return;
    }
    let seq = 0;
    let total = 0;
    for (;;) {
      const page = await db.bodyChunk.findMany({
        where: { requestId: body.requestId, seq: { gte: seq } },
        orderBy: { seq: "asc" },
        take: chunksPerRead,
        select: { seq: true, data: true },
      });
      for (const chunk of page) {
        total += chunk.data.byteLength;
        if (chunk.seq !== seq || total > body.size) throw bodyGone(body.requestId);
        seq += 1;
        yield chunk.data;
      }
      if (page.length < chunksPerRead) break;
    }
    if (total !== body.size) throw bodyGone(body.requestId);
  }

  const readBody = async (body: StoredBody): Promise<Uint8Array> => {
    if (!isChunked(body)) return body.inline;
    const whole = Buffer.allocUnsafe(body.size);
    let offset = 0;
    for await (const chunk of bodyChunks(body)) {
      whole.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return whole;
  };

  return {
    readBody,
    async readBodyIfStored(body) {
      try {
        return await readBody(body);
      } catch (error) {
        if (error instanceof AppError && error.code === "not_found") return null;
        throw error;
      }
    },
    streamBody(body) {
      if (!isChunked(body)) return body.inline;
      const chunks = bodyChunks(body);
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
    },
  };
}

function bodyGone(requestId: string): AppError {
  return new AppError("not_found", `The body of capture ${requestId} is no longer stored (the capture was deleted).`);
}
