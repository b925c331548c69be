import { getConfig } from "../../config.ts";
import { sharedMemoryBudget } from "../capture/memory-budget.ts";
import { AppError } from "../errors.ts";
import { promisify } from "node:util";
import zlib from "node:zlib";
import type { BodyEncoding, HeaderPair } from "../../types.ts";

/** More codings than any real sender stacks; each layer may expand up to the cap, so the count bounds the work too. */
export const maxStackedCodings = 4;

export type DecodedBody = {
  ok: true;
  bytes: Uint8Array;
  /** The codings undone, as the header lists them (the order they were applied), lowercased. */
  encodings: string[];
  encodedSize: number;
  decodedSize: number;
};

export type DecodeFailure = { ok: false; encodings: string[]; encodedSize: number; reason: string };

type Codec = (input: Uint8Array, options: zlib.ZlibOptions | zlib.BrotliOptions) => Promise<Buffer>;

// The asynchronous forms: they run on libuv's thread pool, so a large or hostile body
// decoding in one route handler does not stall every other request of the process.
// `maxOutputLength` bounds them exactly as it bounds the synchronous ones.
const gunzip = promisify(zlib.gunzip) as Codec;
const inflate = promisify(zlib.inflate) as Codec;
const inflateRaw = promisify(zlib.inflateRaw) as Codec;
const brotliDecompress = promisify(zlib.brotliDecompress) as Codec;

/**
 * The codings a capture's `Content-Encoding` headers list, in the order they were
 * applied (several headers count as one comma-separated list), lowercased, without
 * `identity`. Empty when the body is as sent.
 */
export function contentCodings(headers: readonly HeaderPair[]): string[] {
  return headers
    .filter(([name]) => name.toLowerCase() === "content-encoding")
    .flatMap(([, value]) => value.split(","))
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== "" && coding !== "identity");
}

/**
 * Undoes `codings` (as `contentCodings` gives them: applied first to last, so undone
 * last to first) on `body`. Never throws for what a sender sent: an unknown coding, bytes
 * that are not what their coding says, more than `maxStackedCodings` layers, or any layer
 * expanding past `maxBytes` give a failure with the reason, and nothing partly decoded
 * is returned. The cap bounds memory and time alike: no layer writes more than `maxBytes`.
 */
export async function decodeContent(body: Uint8Array, codings: readonly string[], maxBytes: number): Promise<DecodedBody | DecodeFailure> {
  const encodings = [...codings];
  const fail = (reason: string): DecodeFailure => ({ ok: false, encodings, encodedSize: body.length, reason });
  if (codings.length > maxStackedCodings) return fail(`${codings.length} stacked codings are more than the ${maxStackedCodings} Hookyard undoes`);
  const unknown = codings.find((coding) => !(coding in decoders));
  if (unknown !== undefined) return fail(`the coding ${JSON.stringify(unknown)} is not one Hookyard decodes (gzip, deflate, br)`);
  let bytes = body;
  for (const coding of [...codings].reverse()) {
    const result = await decoders[coding as keyof typeof decoders](bytes, maxBytes);
    if (typeof result === "string") return fail(codings.length > 1 ? `${coding} layer: ${result}` : result);
    bytes = result;
  }
  return { ok: true, bytes, encodings, encodedSize: body.length, decodedSize: bytes.length };
}

const decoders = {
  gzip: (input: Uint8Array, maxBytes: number) => run(gunzip, input, maxBytes, "gzip"),
  "x-gzip": (input: Uint8Array, maxBytes: number) => run(gunzip, input, maxBytes, "gzip"),
  br: (input: Uint8Array, maxBytes: number) => run(brotliDecompress, input, maxBytes, "Brotli"),
  deflate: decodeDeflate,
};

/**
 * HTTP's `deflate` is meant to be zlib-wrapped (RFC 9110), but some senders send raw
 * deflate (RFC 1951), as early browsers' servers did: zlib first, raw if the zlib header
 * is not there.
 */
async function decodeDeflate(input: Uint8Array, maxBytes: number): Promise<Uint8Array | string> {
  const wrapped = await run(inflate, input, maxBytes, "zlib deflate");
  if (typeof wrapped !== "string" || wrapped.startsWith("expands")) return wrapped;
  const raw = await run(inflateRaw, input, maxBytes, "raw deflate");
  if (typeof raw !== "string" || raw.startsWith("expands")) return raw;
  return `not valid deflate data, neither zlib-wrapped (${wrapped.replace(/^not valid zlib deflate: /, "")}) nor raw (${raw.replace(/^not valid raw deflate: /, "")})`;
}

/** The decoded bytes, or why there are none. */
async function run(codec: Codec, input: Uint8Array, maxBytes: number, label: string): Promise<Uint8Array | string> {
  try {
    return new Uint8Array(await codec(input, { maxOutputLength: maxBytes }));
  } catch (error) {
    if (isTooLarge(error)) return `expands past the decoding cap of ${maxBytes} bytes (MAX_DECODED_BODY_BYTES)`;
    if (error instanceof Error) return `not valid ${label}: ${error.message}`;
    throw error;
  }
}

function isTooLarge(error: unknown): boolean {
  return error instanceof RangeError && (error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE";
}

/** What the views read of a capture's body: decoded when its Content-Encoding decodes within the cap, else as received. */
export type ViewBody = { bytes: Uint8Array; decoded: boolean; encoding: BodyEncoding | null };

/**
 * The body for the views (JSON, form, text, multipart parts), and how its encoding went:
 * `encoding` is null without a Content-Encoding (or with only `identity`); when decoding
 * fails or passes `maxBytes`, `bytes` are the bytes as received and `encoding.error` says why.
 */
export async function viewBodyOf(headers: readonly HeaderPair[], body: Uint8Array, maxBytes: number): Promise<ViewBody> {
  const codings = contentCodings(headers);
  if (codings.length === 0) return { bytes: body, decoded: false, encoding: null };
  const result = await decodeContent(body, codings, maxBytes);
  if (!result.ok) return { bytes: body, decoded: false, encoding: { codings, encodedSize: body.length, decodedSize: null, error: result.reason } };
  return { bytes: result.bytes, decoded: true, encoding: { codings, encodedSize: body.length, decodedSize: result.decodedSize, error: null } };
}

/**
 * `viewBodyOf` for a request to the API, with the decoding cap's worth of bytes reserved
 * from the process's memory budget (MAX_BUFFERED_BODY_BYTES) while it decodes: each
 * decode may expand to the cap, and many at once (a viewer reloading a zip bomb's detail
 * in a loop) must shed with 503, as captures and forwards do, not run the process out of
 * memory. A body without a Content-Encoding reserves nothing.
 * @throws AppError service_unavailable when the budget has no room now
 */
export async function viewBodyWithinBudget(headers: readonly HeaderPair[], body: Uint8Array): Promise<ViewBody> {
  if (contentCodings(headers).length === 0) return viewBodyOf(headers, body, 0);
  const config = getConfig();
  const budget = sharedMemoryBudget(config.maxBufferedBodyBytes);
  const reserved = Math.min(config.maxDecodedBodyBytes, budget.limit);
  if (!budget.tryReserve(reserved)) {
    throw new AppError(
      "service_unavailable",
      "Hookyard is holding too many bodies in memory (MAX_BUFFERED_BODY_BYTES) to decode this one now; retry shortly.",
      {
        "Retry-After": "1",
      },
    );
  }
  try {
    return await viewBodyOf(headers, body, config.maxDecodedBodyBytes);
  } finally {
    budget.release(reserved);
  }
}
