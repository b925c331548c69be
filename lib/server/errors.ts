/**
 * The one domain error. Route handlers and the capture listener turn it into a
 * JSON problem response `{ error: code, message }` with the status from `statusByCode`.
 */
export const statusByCode = {
  bad_request: 400,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  misdirected_request: 421,
  validation_failed: 422,
  too_many_requests: 429,
  request_header_fields_too_large: 431,
  service_unavailable: 503,
  insufficient_storage: 507,
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof statusByCode;

export class AppError extends Error {
  override name = "AppError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra response headers, such as Retry-After for 429 and 503. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  get status(): number {
    return statusByCode[this.code];
  }
}

export type Problem = { error: ErrorCode; message: string };

export function toProblem(error: AppError): Problem {
  return { error: error.code, message: error.message };
}
