import { type IncomingHttpHeaders, type ServerResponse, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { AppError, type ErrorCode, statusByCode, toProblem } from "../errors.ts";

/**
 * The custom server stamps the client's address (socket peer, or the right-most
 * untrusted X-Forwarded-For hop under TRUST_PROXY) on every request it hands to Next,
 * replacing whatever the client sent under this name: route handlers never see the socket.
 */
export const clientIpHeader = "x-hookyard-client-ip";

/** Headers for every response the custom server writes itself (Next adds its own). */
export const baseSecurityHeaders: Record<string, string> = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
};

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...baseSecurityHeaders,
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(payload),
    "Cache-Control": "no-store",
    ...headers,
  });
  res.end(res.req.method === "HEAD" ? undefined : payload);
}

/** Answers with `{ error, message }`; unexpected errors are logged and answered generically. */
export function sendProblem(res: ServerResponse, error: unknown, headers: Record<string, string> = {}): void {
  if (error instanceof AppError) {
    sendJson(res, error.status, toProblem(error), { ...error.headers, ...headers });
    return;
  }
  console.error("[server] unexpected error", error);
  sendJson(res, 500, { error: "internal_error", message: "Something went wrong on our side." }, headers);
}

/**
 * The origin a client used to reach us: X-Forwarded-Proto/-Host when a proxy of ours
 * set them (`trustForwarded`; first value of each), else the Host header.
 */
export function requestOrigin(headers: IncomingHttpHeaders | Headers, fallbackHost: string, encrypted: boolean, trustForwarded: boolean): string {
  const read = (name: string): string | undefined => {
    const value = headers instanceof Headers ? headers.get(name) : headers[name];
    const first = (Array.isArray(value) ? value[0] : value)?.split(",")[0]?.trim();
    return first ? first : undefined;
  };
  const forwardedProto = trustForwarded ? read("x-forwarded-proto") : undefined;
  const proto = forwardedProto === "https" || forwardedProto === "http" ? forwardedProto : encrypted ? "https" : "http";
  const host = (trustForwarded ? read("x-forwarded-host") : undefined) ?? read("host") ?? fallbackHost;
  return `${proto}://${host}`;
}

/**
 * A complete `Connection: close` response with a JSON problem body, for answers
 * written straight onto a socket (no request or response object exists then).
 */
export function rawProblemResponse(code: ErrorCode, message: string): string {
  const status = statusByCode[code];
  const body = JSON.stringify({ error: code, message });
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    Object.entries(baseSecurityHeaders)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join("") +
    `Cache-Control: no-store\r\nConnection: close\r\n\r\n${body}`
  );
}

/** What each parser or timeout error is answered with; anything else is a 400. */
const clientErrors: Record<string, [ErrorCode, string]> = {
  HPE_HEADER_OVERFLOW: ["request_header_fields_too_large", "The request head is larger than the server accepts."],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: ["payload_too_large", "Chunk extensions are larger than the server accepts."],
  ERR_HTTP_REQUEST_TIMEOUT: ["request_timeout", "The request was not received in time (HEADERS_TIMEOUT_MS / REQUEST_TIMEOUT_MS)."],
};

type SocketWithMessage = Duplex & { _httpMessage?: ServerResponse | null };

/**
 * The server's `clientError` handler: what Node's own does (431, 408, else 400, then
 * close), with a JSON problem body and our security headers. Nothing is written when
 * a response to this socket has already begun, which the peer would read as garbage.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  const inFlight = (socket as SocketWithMessage)._httpMessage;
  if (error.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const [code, message] = clientErrors[error.code ?? ""] ?? ["bad_request", `The request could not be parsed (${error.code ?? "malformed"}).`];
  socket.end(rawProblemResponse(code, message), () => socket.destroy());
}
