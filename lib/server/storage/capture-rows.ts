import { type CaptureRow, defaultBodyChunkBytes, defaultInlineBodyBytes } from "./storage.ts";

/**
 * How a capture is laid out in its tables, the same whichever driver writes it: readers
 * (prisma/bodies.ts) tell a chunked body by its inline column being shorter than `size`.
 */

/** The columns of `CapturedRequest` a writer fills, in the order its INSERT names them. */
export const captureColumns = [
  "id",
  "binId",
  "seq",
  "method",
  "path",
  "query",
  "url",
  "headers",
  "contentType",
  "body",
  "size",
  "ip",
  "receivedAt",
  "signatureProvider",
  "signatureStatus",
  "signatureReason",
  "answerStatus",
  "answerBy",
  "answerRule",
] as const satisfies readonly (keyof CaptureRow | "seq")[];

const emptyBody = Buffer.alloc(0);

/** The body in one buffer; one piece (the usual small body) is used as it is. */
function wholeBody(body: CaptureRow["body"], size: number): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (body.length === 0) return emptyBody;
  return body.length === 1 ? body[0]! : Buffer.concat(body, size);
}

/** The body as pieces of at most `maxBytes`, each a view of the bytes received (no copy). */
export function bodyPieces(body: CaptureRow["body"], maxBytes: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (const part of Buffer.isBuffer(body) ? [body] : body) {
    for (let start = 0; start < part.length; start += maxBytes) pieces.push(part.subarray(start, start + maxBytes));
  }
  return pieces;
}

/**
 * Where the row's body goes: inline in the capture row when it is small, else as
 * `BodyChunk` rows (`chunks`, in order) with an empty inline column.
 * @throws Error when the body's pieces do not add up to `size` (a reader would misread it)
 */
export function bodyLayout(
  row: CaptureRow,
  { inlineBodyBytes = defaultInlineBodyBytes, bodyChunkBytes = defaultBodyChunkBytes }: { inlineBodyBytes?: number; bodyChunkBytes?: number },
): { inline: Buffer; chunks: Buffer[] | null } {
  const chunks = row.size > inlineBodyBytes ? bodyPieces(row.body, bodyChunkBytes) : null;
  const inline = chunks ? emptyBody : wholeBody(row.body, row.size);
  const stored = chunks ? chunks.reduce((total, piece) => total + piece.length, 0) : inline.length;
  if (stored !== row.size) throw new Error(`capture ${row.id}: body has ${stored} bytes but size says ${row.size}`);
  return { inline, chunks };
}
