/**
 * What the dashboard and the server agree on about multipart bodies and their parts.
 * Pure: no I/O, safe for client components.
 */

/** Whether `contentType` is a multipart type (form-data, mixed, related, alternative…). */
export function isMultipartType(contentType: string | null): boolean {
  return /^\s*multipart\/[a-z0-9.+-]+\s*(;|$)/i.test(contentType ?? "");
}
