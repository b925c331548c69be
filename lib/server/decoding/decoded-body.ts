import { AppError } from "../errors.ts";
import { readCaptureOrThrow } from "../storage/requests.ts";
import { viewBodyWithinBudget, type ViewBody } from "./content-encoding.ts";

/** A capture's body as the views read it (see viewBodyOf), with its Content-Type. @throws AppError not_found */
export async function getViewBodyOrThrow(binId: string, requestId: string): Promise<ViewBody & { contentType: string | null }> {
  const { row, headers, body } = await readCaptureOrThrow(binId, requestId);
  return { ...(await viewBodyWithinBudget(headers, body)), contentType: row.contentType };
}

/**
 * The body with its Content-Encoding undone, for `raw?decoded=1`.
 * @throws AppError not_found; unprocessable_content when the body has no Content-Encoding,
 * or it does not decode (the reason, the cap included, is the message)
 */
export async function getDecodedBodyOrThrow(binId: string, requestId: string): Promise<{ bytes: Uint8Array; contentType: string | null }> {
  const view = await getViewBodyOrThrow(binId, requestId);
  if (view.encoding === null) throw new AppError("unprocessable_content", "This capture has no Content-Encoding: its body is as received.");
  if (!view.decoded)
    throw new AppError("unprocessable_content", `The body's Content-Encoding (${view.encoding.codings.join(", ")}) does not decode: ${view.encoding.error}.`);
  return { bytes: view.bytes, contentType: view.contentType };
}
