/** @import { HeaderPair } from "./types.ts" */

/**
 * Pure pieces of forwarding: which headers go, where the request goes, and how a
 * network failure reads in words. Shared by the server's forward (lib/server/forwarding.ts)
 * and the relay CLI (bin/hookyard.mjs), so both send the same message. Plain JavaScript
 * with JSDoc types (checked by tsc) because the CLI runs on plain Node without a build.
 */

/**
 * Headers that describe one connection, not the message (RFC 9110 §7.6.1, plus the
 * framing we recompute and `Expect`, which would make us wait for a 100 Continue):
 * never forwarded.
 */
const hopByHop = new Set([
  "host",
  "connection",
  "content-length",
  "transfer-encoding",
  "keep-alive",
  "te",
  "trailer",
  "trailers",
  "upgrade",
  "expect",
  "http2-settings",
  "proxy-connection",
]);

/**
 * The captured headers minus hop-by-hop ones (and any the Connection header names), in order, duplicates kept.
 * @param {HeaderPair[]} headers
 * @returns {HeaderPair[]}
 */
export function endToEndHeaders(headers) {
  const named = new Set(
    headers
      .filter(([name]) => name.toLowerCase() === "connection")
      .flatMap(([, value]) => value.split(","))
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean),
  );
  return headers.filter(([name]) => {
    const lower = name.toLowerCase();
    return !hopByHop.has(lower) && !lower.startsWith("proxy-") && !named.has(lower);
  });
}

/**
 * The target URL with the capture's sub-path and query appended, kept exactly as they
 * were sent (percent-encoding untouched): `https://t.example/base` + `/hooks/x` + `a=1`
 * gives `https://t.example/base/hooks/x?a=1`. A query on the target comes first.
 * @param {string} target
 * @param {string} capturePath
 * @param {string} captureQuery
 * @returns {string}
 */
export function joinTargetUrl(target, capturePath, captureQuery) {
  const url = new URL(target);
  const pathname = capturePath === "" ? url.pathname : `${url.pathname.replace(/\/+$/, "")}${capturePath}`;
  const queries = [url.search.slice(1), captureQuery].filter(Boolean);
  return `${url.origin}${pathname || "/"}${queries.length ? `?${queries.join("&")}` : ""}`;
}

/** Methods that carry no body unless one is given; the rest always declare a Content-Length. */
const bodylessMethods = new Set(["GET", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT"]);

/**
 * The header list that goes on the wire: Host first, the end-to-end headers in order,
 * the sender's own `added` ones (the server's Via), then a Content-Length for the body
 * (never chunked, so the body arrives exactly).
 * As node:http's flat rawHeaders-style array, which keeps order, case and duplicates.
 * @param {URL} url
 * @param {string} method
 * @param {HeaderPair[]} headers
 * @param {number} bodyLength
 * @param {HeaderPair[]} [added]
 * @returns {HeaderPair[]}
 */
export function wireHeaders(url, method, headers, bodyLength, added = []) {
  /** @type {HeaderPair[]} */
  const pairs = [["Host", url.host], ...endToEndHeaders(headers), ...added];
  if (bodyLength > 0 || !bodylessMethods.has(method.toUpperCase())) pairs.push(["Content-Length", String(bodyLength)]);
  return pairs;
}

const tlsCodes = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH|ERR_OSSL_)/;

/**
 * A network failure in words, naming the cause a user can act on. Never includes a stack.
 * @param {unknown} error
 * @param {{ host: string; timeoutMs: number }} context
 * @returns {string}
 */
export function describeNetworkError(error, context) {
  const code = typeof error === "object" && error && "code" in error ? String(error.code) : "";
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case "ECONNREFUSED":
      return `connection refused by ${context.host} (nothing listening there)`;
    case "ETIMEDOUT":
    case "FORWARD_TIMEOUT":
      return `timeout: no complete answer from ${context.host} within ${context.timeoutMs} ms`;
    case "ENOTFOUND":
      return `DNS: host name ${context.host.replace(/:\d+$/, "")} not found`;
    case "EAI_AGAIN":
      return `DNS: lookup of ${context.host.replace(/:\d+$/, "")} failed temporarily`;
    case "ECONNRESET":
      return `connection reset by ${context.host} before a complete answer`;
    case "EHOSTUNREACH":
      return `host ${context.host} unreachable`;
    case "ENETUNREACH":
      return `network unreachable for ${context.host}`;
    case "HPE_INVALID_CONSTANT":
    case "HPE_INVALID_VERSION":
    case "HPE_INVALID_STATUS":
      return `the answer from ${context.host} is not HTTP/1.x (${code})`;
  }
  if (tlsCodes.test(code)) return `TLS: ${message} (${code})`;
  if (code.startsWith("HPE_")) return `malformed HTTP answer from ${context.host} (${code})`;
  return `network error talking to ${context.host}: ${code || message}`;
}
