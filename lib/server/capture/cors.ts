import type { IncomingHttpHeaders } from "node:http";

/**
 * How capture URLs let a page on another origin send to them and read the answer
 * (docs/decisions/018-senders-cors-and-answers.md). Pure: the capture path asks these
 * with the request's headers and the bin's `cors` switch.
 *
 * Captures never need the visitor's cookies or credentials, so nothing here allows
 * credentials: `Access-Control-Allow-Origin` is `*`, which a browser honours for any
 * origin on a request without credentials and refuses on one with them. An echoed
 * origin would buy nothing without `Access-Control-Allow-Credentials`, which Hookyard
 * never sends.
 */

/** On every answer of a bin with CORS on (and on refusals before the bin is known): any page may read it, every header included. */
export const corsAnswerHeaders: Readonly<Record<string, string>> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Expose-Headers": "*",
};

/**
 * Seconds a browser may reuse a preflight's answer. Short, so that switching a bin's
 * CORS off is felt within minutes (Chromium caps it at 2 hours, Firefox at 24).
 */
export const preflightMaxAgeSeconds = 600;

/** The longest `Access-Control-Request-Headers` echoed back; a longer list is not allowed (the browser then refuses the request). */
export const maxAllowHeadersLength = 4096;

/** Methods a preflight is always told are allowed, beside the one it asked for. */
const usualMethods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

// RFC 9110 tokens: a method, and a comma-separated list of header names.
const tokenPattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;
const tokenListPattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:[ \t]*,[ \t]*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*$/;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A CORS preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`, as browsers send it. */
export function isPreflight(method: string | undefined, headers: IncomingHttpHeaders): boolean {
  return method === "OPTIONS" && first(headers.origin) !== undefined && first(headers["access-control-request-method"]) !== undefined;
}

/**
 * The headers of the 204 that answers a preflight: any origin, the method it asked for
 * (when it is a method at all) with the usual ones, and the headers it asked for echoed
 * (when they are a list of header names no longer than maxAllowHeadersLength; else none,
 * and the browser refuses the request: nothing is allowed that was not understood).
 */
export function preflightHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const requestedMethod = first(headers["access-control-request-method"])?.trim() ?? "";
  const methods = tokenPattern.test(requestedMethod) && !usualMethods.includes(requestedMethod) ? [...usualMethods, requestedMethod] : usualMethods;
  const answer: Record<string, string> = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": methods.join(", "),
    "Access-Control-Max-Age": String(preflightMaxAgeSeconds),
    // The answer differs with what was asked: a shared cache must not hand one preflight's answer to another.
    Vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
  };
  const requestedHeaders = first(headers["access-control-request-headers"])?.trim() ?? "";
  if (requestedHeaders !== "" && requestedHeaders.length <= maxAllowHeadersLength && tokenListPattern.test(requestedHeaders)) {
    answer["Access-Control-Allow-Headers"] = requestedHeaders;
  }
  return answer;
}
