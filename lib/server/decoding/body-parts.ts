import type { MultipartList, MultipartPartDto } from "../../types.ts";
import { AppError } from "../errors.ts";
import { getViewBodyOrThrow } from "./decoded-body.ts";
import { isMultipartType } from "../../parts.ts";
import { type MultipartParse, parseMultipartBody } from "./multipart.ts";

/**
 * The parts of a multipart capture (read from its decoded body when it has a
 * Content-Encoding that decodes), metadata only. A body that stops parsing early still
 * lists the parts before, with the reason in `error`.
 * @throws AppError not_found; unprocessable_content when it is not multipart, or its encoding does not decode
 */
export async function listPartsOrThrow(binId: string, requestId: string): Promise<MultipartList> {
  const { decoded, parsed } = await parsedCaptureOrThrow(binId, requestId);
  return { ...parsed, decoded };
}

/**
 * One part's content, exactly as sent, as a view into the body.
 * @throws AppError not_found (also for a part past the last one parsed); unprocessable_content as listPartsOrThrow
 */
export async function getPartOrThrow(binId: string, requestId: string, index: number): Promise<{ part: MultipartPartDto; content: Uint8Array }> {
  const { bytes, parsed } = await parsedCaptureOrThrow(binId, requestId);
  const part = parsed.parts[index];
  if (!part) throw new AppError("not_found", `This capture has no part ${index} (it has ${parsed.parts.length}, numbered from 0).`);
  return { part, content: bytes.subarray(part.offset, part.offset + part.size) };
}

async function parsedCaptureOrThrow(binId: string, requestId: string): Promise<{ bytes: Uint8Array; decoded: boolean; parsed: MultipartParse }> {
  const view = await getViewBodyOrThrow(binId, requestId);
  if (!isMultipartType(view.contentType)) {
    throw new AppError("unprocessable_content", `This capture is not multipart (its Content-Type is ${view.contentType ?? "missing"}).`);
  }
  // Parts of a body whose encoding fails would be parts of compressed bytes: none.
  if (view.encoding !== null && !view.decoded) {
    throw new AppError("unprocessable_content", `The body's Content-Encoding (${view.encoding.codings.join(", ")}) does not decode: ${view.encoding.error}.`);
  }
  return { bytes: view.bytes, decoded: view.decoded, parsed: parseMultipartBody(view.bytes, view.contentType!) };
}
