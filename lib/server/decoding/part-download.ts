import { isPreviewableImageType, sniffImage } from "../../image.ts";
import type { MultipartPartDto } from "../../types.ts";

/**
 * A file name that is safe in a download: no folders (`../`, `C:\\`), no control
 * characters, quotes or characters Windows refuses, no leading dots (hidden files), at
 * most 200 characters; null when nothing is left.
 */
export function sanitizeFilename(name: string | null): string | null {
  if (name === null) return null;
  const base = name.split(/[/\\]/).pop() ?? "";
  const cleaned = base
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, "")
    .replace(/["<>:*?|]/g, "_")
    .trim()
    .replace(/^\.+/, "");
  const short = Array.from(cleaned).slice(0, 200).join("").trim();
  return short === "" ? null : short;
}

/** `attachment` or `inline` with the name as ASCII `filename`, and RFC 5987 `filename*` when it is not ASCII. */
export function contentDisposition(kind: "attachment" | "inline", filename: string): string {
  const ascii = filename.replace(/[^\u0020-\u007e]/g, "_").replace(/[\\"]/g, "_");
  if (ascii === filename) return `${kind}; filename="${filename}"`;
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * The headers a part is served with. Always a download (`attachment`, as
 * `application/octet-stream`), under its sanitised name or `<requestId>-part-<n>.bin`;
 * `inline` only for an allow-listed image whose bytes start like one, served as that
 * type for an `<img>`. A sandbox CSP and nosniff always: even a part opened by hand is
 * an inert document on an opaque origin.
 */
export function partResponseHeaders(part: MultipartPartDto, content: Uint8Array, requestId: string, inline: boolean): Record<string, string> {
  const filename = sanitizeFilename(part.filename) ?? `${requestId}-part-${part.index + 1}.bin`;
  // Inline only as the image it says it is, and its bytes show it is (the dashboard's own check).
  const preview = isPreviewableImageType(part.contentType) && sniffImage(content) === part.contentType;
  return {
    "Content-Type": preview ? part.contentType! : "application/octet-stream",
    "Content-Disposition": contentDisposition(inline && preview ? "inline" : "attachment", filename),
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
  };
}
