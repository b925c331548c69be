import { MaxHeaderSizeExceededError, MaxPartsExceededError, MultipartParseError, parseMultipart } from "@remix-run/multipart-parser";
import type { HeaderPair, MultipartPartDto } from "../../types.ts";

/** Parts listed at most: a body of MAX_BODY_BYTES could otherwise hold a million tiny ones. */
export const maxMultipartParts = 1_000;

/** Longest header block of one part, as the parser's own default: real ones are a few hundred bytes. */
const maxPartHeaderBytes = 8 * 1024;

/** One part of a multipart body, as listed: where its content is, never the content itself. */
export type MultipartPartInfo = MultipartPartDto;

export type MultipartParse = {
  /** Null when the Content-Type names none. */
  boundary: string | null;
  /** The parts read before parsing ended (all of them, when `error` is null). */
  parts: MultipartPartInfo[];
  /** Why parsing stopped before the closing boundary, or null when the body is whole. */
  error: string | null;
};

/**
 * The boundary parameter of a multipart Content-Type, quoted or not, or why there is
 * none usable (RFC 2046: 1 to 70 characters, not ending in a space).
 */
export function multipartBoundary(contentType: string): { boundary: string } | { problem: string } {
  const match = /;\s*boundary\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/i.exec(contentType);
  if (!match) return { problem: "its Content-Type has no boundary parameter" };
  const boundary = match[1] !== undefined ? match[1].replace(/\\(.)/g, "$1") : (match[2] ?? "");
  if (boundary.length === 0 || boundary.length > 70 || boundary.endsWith(" ")) {
    return { problem: `its boundary ${JSON.stringify(boundary)} is not a valid one (1 to 70 characters, not ending in a space)` };
  }
  return { boundary };
}

/**
 * The parts of a multipart body (`bytes`: the body as sent, or decoded when it has a
 * Content-Encoding). Parsed by @remix-run/multipart-parser over the bytes in one piece,
 * so each part's content is a view into them, never a copy. Never throws for what a
 * sender sent: a missing or bad boundary, a cut-off part, a missing closing boundary,
 * or more than `maxMultipartParts` parts end the list with the reason in `error`.
 */
export function parseMultipartBody(bytes: Uint8Array, contentType: string): MultipartParse {
  const found = multipartBoundary(contentType);
  if ("problem" in found) return { boundary: null, parts: [], error: `The body cannot be split into parts: ${found.problem}.` };
  const { boundary } = found;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const delimiter = `--${boundary}`;
  // RFC 2046 allows a preamble before the first boundary (mail-style multipart/mixed
  // has one); the parser expects the boundary first, so it is handed the rest.
  let start = 0;
  if (!buffer.subarray(0, delimiter.length).equals(Buffer.from(delimiter))) {
    const after = buffer.indexOf(`\r\n${delimiter}`);
    if (after === -1) return { boundary, parts: [], error: `The boundary ${JSON.stringify(delimiter)} never appears in the body.` };
    start = after + 2;
  }
  const parts: MultipartPartInfo[] = [];
  // The parser skips the boundary line and its CRLF, then reads headers up to the
  // first blank line: the same walk gives each part's header block, which the parser
  // keeps to itself, so its headers can be listed in wire order.
  let headerStart = start + delimiter.length + 2;
  try {
    for (const part of parseMultipart(buffer.subarray(start), {
      boundary,
      maxParts: maxMultipartParts,
      maxHeaderSize: maxPartHeaderBytes,
      // The body is already bounded (MAX_BODY_BYTES, MAX_DECODED_BODY_BYTES): no part can outgrow it.
      maxFileSize: bytes.length,
      maxTotalSize: bytes.length,
    })) {
      const headerEnd = buffer.indexOf("\r\n\r\n", headerStart);
      const offset = headerEnd + 4;
      parts.push({
        index: parts.length,
        headers: headerPairs(buffer.subarray(headerStart, headerEnd)),
        ...dispositionOf(part),
        offset,
        size: part.size,
      });
      headerStart = offset + part.size + 2 + delimiter.length + 2;
    }
  } catch (error) {
    if (!(error instanceof MultipartParseError)) throw error;
    return { boundary, parts, error: stopReason(error, parts.length, delimiter) };
  }
  return { boundary, parts, error: null };
}

function stopReason(error: MultipartParseError, parsed: number, delimiter: string): string {
  if (error instanceof MaxPartsExceededError) return `The body has more than ${maxMultipartParts} parts: only the first ${maxMultipartParts} are listed.`;
  if (error instanceof MaxHeaderSizeExceededError)
    return `The headers of part ${parsed + 1} are longer than ${maxPartHeaderBytes} bytes: parsing stopped there.`;
  if (error.message === "Multipart stream not finished") {
    return `The body ends before its closing boundary ${JSON.stringify(`${delimiter}--`)}: part ${parsed + 1} is cut off or the closing line is missing.`;
  }
  return `Parsing stopped after part ${parsed}: ${error.message}.`;
}

/** Header lines of one part in order; a line without a colon is not a header and is left out. */
function headerPairs(block: Buffer): HeaderPair[] {
  // Lenient on purpose (a stranger's bytes): invalid UTF-8 shows as U+FFFD rather than hiding the header.
  const text = new TextDecoder("utf-8").decode(block);
  return text.split("\r\n").flatMap((line): HeaderPair[] => {
    const colon = line.indexOf(":");
    return colon > 0 ? [[line.slice(0, colon).trim(), line.slice(colon + 1).trim()]] : [];
  });
}

type PartFacts = { name: string | null; filename: string | null; contentType: string | null };

function dispositionOf(part: { name: string | undefined; filename: string | undefined; mediaType: string | undefined }): PartFacts {
  try {
    return { name: part.name ?? null, filename: part.filename ?? null, contentType: part.mediaType?.toLowerCase() || null };
  } catch (error) {
    // The parser decodes a part's headers as strict UTF-8 and throws a TypeError on
    // anything else: such a part is still listed (and downloadable), with no name read.
    if (error instanceof TypeError) return { name: null, filename: null, contentType: null };
    throw error;
  }
}
