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
  /** Well-formed, but the capture is not what was asked of it (not multipart, no Content-Encoding, not decodable). */
  unprocessable_content: 422,
  too_many_requests: 429,
  request_header_fields_too_large: 431,
  service_unavailable: 503,
  insufficient_storage: 507,
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof statusByCode;

/** Where an error keeps the brands of the Hookyard error classes it was made as (see AppError's hasInstance). */
const brandsKey = Symbol.for("hookyard.errorBrands");

type Branded = { [brandsKey]?: unknown };

export class AppError extends Error {
  /** Names the class for `instanceof` across copies of this module; each subclass gives its own. */
  static readonly brand: string = "AppError";

  /**
   * `instanceof` by brand, not only by identity. Next's bundles and the custom server each
   * load their own copy of this module, and storage, opened by the server, throws into
   * Next's route handlers: their `error instanceof AppError` must see the other copy's
   * errors too (else a 409 would answer as a 500). Brands, not class names, because
   * bundlers may rename classes.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    const brands = typeof value === "object" && value !== null ? (value as Branded)[brandsKey] : undefined;
    return Array.isArray(brands) && brands.includes(this.brand);
  }

  override name = "AppError";
  readonly [brandsKey]: readonly string[];

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra response headers, such as Retry-After for 429 and 503. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    const brands: string[] = [];
    for (let made: unknown = new.target; typeof made === "function" && made !== Error; made = Object.getPrototypeOf(made)) {
      const brand = (made as { brand?: unknown }).brand;
      if (typeof brand === "string" && !brands.includes(brand)) brands.push(brand);
    }
    this[brandsKey] = brands;
  }

  get status(): number {
    return statusByCode[this.code];
  }
}

export type Problem = { error: ErrorCode; message: string };

export function toProblem(error: AppError): Problem {
  return { error: error.code, message: error.message };
}
