import { formatBytes } from "./body";

/**
 * The Raw and Hex views show a body in chunks: a 10 MiB body as one text node, or as
 * 650,000 hex lines, stalls the page for seconds (decision 017). The whole body stays
 * one click away as a download.
 */
export const bodyChunkBytes = 64 * 1024;
/** The most "Show more" reaches; past it the download is the way to the rest. */
export const bodyShownMaxBytes = 1024 * 1024;

/** How many bytes to show after `clicks` presses of "Show more". */
export function shownBytes(total: number, clicks: number): number {
  return Math.min(total, bodyShownMaxBytes, bodyChunkBytes * (clicks + 1));
}

/**
 * The UTF-8 text of the first `limit` bytes, cut back to the start of a character so
 * no half character shows as U+FFFD; `shown` is the bytes it covers.
 */
export function textPrefix(bytes: Uint8Array, limit: number): { text: string; shown: number } {
  let end = Math.min(limit, bytes.length);
  if (end < bytes.length) {
    // Continuation bytes are 10xxxxxx: step back (at most 3) to the lead byte of the cut character.
    let back = end;
    while (back > 0 && end - back < 3 && (bytes[back]! & 0xc0) === 0x80) back -= 1;
    if ((bytes[back]! & 0xc0) !== 0x80) end = back;
  }
  return { text: new TextDecoder().decode(bytes.subarray(0, end)), shown: end };
}

/** "Showing the first 64.0 KB of 10.0 MB", or null when everything is shown. */
export function shownLabel(shown: number, total: number): string | null {
  return shown >= total ? null : `Showing the first ${formatBytes(shown)} of ${formatBytes(total)}`;
}

/** Whether "Show more" can show more: within the body and below the cap. */
export function canShowMore(shown: number, total: number): boolean {
  return shown < total && shown < bodyShownMaxBytes;
}
