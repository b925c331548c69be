/**
 * What the dashboard and the server agree on about multipart bodies and their parts.
 * Pure: no I/O, safe for client components.
 */

/** Whether `contentType` is a multipart type (form-data, mixed, related, alternative…). */
export function isMultipartType(contentType: string | null): boolean {
  return /^\s*multipart\/[a-z0-9.+-]+\s*(;|$)/i.test(contentType ?? "");
}

/**
 * Image types a part may be previewed as, in an `<img>`. Raster formats only: an SVG can
 * carry scripts, and HTML or anything else is only ever downloaded.
 */
export const previewImageTypes = ["image/png", "image/jpeg", "image/gif", "image/webp"] as const;

export function isPreviewImageType(contentType: string | null): boolean {
  return (previewImageTypes as readonly (string | null)[]).includes(contentType);
}
