import type { Cookie, Entry, PostData, Request } from "har-format";
import { base64ToBytes, bytesToBase64, decodeText, queryPairs } from "./body.ts";
import type { RequestDetail } from "./types.ts";

/**
 * A capture as HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/): what other
 * tools import, and what lib/snippets.ts hands to @scalar/snippetz. Pure, for the
 * dashboard and tests alike.
 */

/**
 * HAR's postData has no way to carry bytes that are not text; `encoding: "base64"`, as
 * HAR's `content` has it, is the extension tools that export binary request bodies use.
 */
export type HarPostData = PostData & { encoding?: "base64" };
export type HarRequest = Omit<Request, "postData"> & { postData?: HarPostData };
export type HarEntry = Omit<Entry, "request"> & { request: HarRequest };

export type CaptureForHar = Pick<RequestDetail, "id" | "binId" | "seq" | "method" | "url" | "query" | "headers" | "contentType" | "ip" | "receivedAt">;

/**
 * The captured request as a HAR request: headers in wire order with duplicates, the
 * query string's pairs (decoded, as HAR wants them), cookies read from Cookie headers,
 * and the body as text when it is text, else as base64 (`encoding: "base64"`).
 */
export function toHarRequest(capture: CaptureForHar, body: Uint8Array): HarRequest {
  const request: HarRequest = {
    method: capture.method,
    url: capture.url,
    // Hookyard does not keep the version a sender spoke; its capture server is node:http,
    // which speaks HTTP/1.1 (a 1.0 client is answered in 1.1 framing too).
    httpVersion: "HTTP/1.1",
    cookies: requestCookies(capture.headers),
    headers: capture.headers.map(([name, value]) => ({ name, value })),
    queryString: queryPairs(capture.query).map(([name, value]) => ({ name, value })),
    // The header block's exact bytes are not kept (only the pairs), so its size is unknown.
    headersSize: -1,
    bodySize: body.length,
  };
  if (body.length > 0) request.postData = harPostData(body, capture.contentType ?? "");
  return request;
}

function harPostData(body: Uint8Array, mimeType: string): HarPostData {
  const text = exactText(body);
  return text === null ? { mimeType, text: bytesToBase64(body), encoding: "base64" } : { mimeType, text };
}

/**
 * The body as text only when that text encodes back to exactly these bytes: decodeText
 * drops a leading byte-order mark, which a copy must keep, so such a body goes as base64.
 */
export function exactText(body: Uint8Array): string | null {
  const text = decodeText(body);
  return text !== null && utf8Length(text) === body.length ? text : null;
}

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** The exact bytes a HAR postData stands for. */
export function harBodyBytes(postData: HarPostData | undefined): Uint8Array {
  if (!postData?.text) return new Uint8Array();
  return postData.encoding === "base64" ? base64ToBytes(postData.text) : new TextEncoder().encode(postData.text);
}

/** HAR's `cookies`: each `name=value` of the Cookie headers, in order, values as sent. */
export function requestCookies(headers: [string, string][]): Cookie[] {
  const cookies: Cookie[] = [];
  for (const [name, value] of headers) {
    if (name.toLowerCase() !== "cookie") continue;
    for (const pair of value.split(";")) {
      const trimmed = pair.trim();
      if (trimmed === "") continue;
      const equals = trimmed.indexOf("=");
      cookies.push(equals === -1 ? { name: "", value: trimmed } : { name: trimmed.slice(0, equals), value: trimmed.slice(equals + 1) });
    }
  }
  return cookies;
}

/**
 * The capture as one HAR entry. Hookyard saw the request arrive, not a round trip, so
 * the timings are zeros and the response is HAR's "none received" (status 0); the
 * capture's own identity travels in `_hookyard`, HAR's room for custom fields.
 */
export function toHarEntry(capture: CaptureForHar, body: Uint8Array): HarEntry {
  return {
    startedDateTime: new Date(capture.receivedAt).toISOString(),
    time: 0,
    request: toHarRequest(capture, body),
    response: {
      status: 0,
      statusText: "",
      httpVersion: "",
      cookies: [],
      headers: [],
      content: { size: 0, mimeType: "" },
      redirectURL: "",
      headersSize: -1,
      bodySize: -1,
    },
    cache: {},
    timings: { send: 0, wait: 0, receive: 0 },
    comment: "Captured by Hookyard",
    _hookyard: { binId: capture.binId, requestId: capture.id, seq: capture.seq, clientIp: capture.ip },
  };
}
