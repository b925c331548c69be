/**
 * Which captured bodies the dashboard previews as an image. Only raster formats on an
 * allow-list, and only when the bytes are what the type says: SVG (a document that can
 * carry script), HTML and anything else are never handed to an `<img>`.
 */
export type ImagePreview = { kind: "image"; type: PreviewableImageType } | { kind: "mismatch"; type: PreviewableImageType; reason: string } | { kind: "none" };

const previewable = ["image/png", "image/jpeg", "image/gif", "image/webp"] as const;
export type PreviewableImageType = (typeof previewable)[number];

/** Whether a (lowercased, parameter-free) media type is on the allow-list: a whole body's or a multipart part's. */
export function isPreviewableImageType(type: string | null): type is PreviewableImageType {
  return (previewable as readonly (string | null)[]).includes(type);
}

const names: Record<PreviewableImageType, string> = { "image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WebP" };

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  return bytes.length >= at + prefix.length && prefix.every((byte, index) => bytes[at + index] === byte);
}

const ascii = (text: string) => Array.from(text, (char) => char.charCodeAt(0));

/** The raster format the bytes' signature names, or null. */
export function sniffImage(bytes: Uint8Array): PreviewableImageType | null {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (startsWith(bytes, ascii("GIF87a")) || startsWith(bytes, ascii("GIF89a"))) return "image/gif";
  if (startsWith(bytes, ascii("RIFF")) && startsWith(bytes, ascii("WEBP"), 8)) return "image/webp";
  return null;
}

/** A preview for a whole-body image whose declared type is on the allow-list and whose bytes agree with it. */
export function imagePreview(bytes: Uint8Array, contentType: string | null): ImagePreview {
  const declared = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  const type = previewable.find((candidate) => candidate === declared);
  if (!type) return { kind: "none" };
  const sniffed = sniffImage(bytes);
  if (sniffed === type) return { kind: "image", type };
  const found = sniffed ? `a ${names[sniffed]} image` : "no image format Hookyard previews";
  return { kind: "mismatch", type, reason: `declared ${type}, but the bytes are ${found}` };
}
