import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import { AppError, toProblem } from "./errors.ts";

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
 * The origin a client used to reach us: X-Forwarded-Proto/-Host when a proxy set
 * them (first value of each), else the Host header.
 */
export function requestOrigin(headers: IncomingHttpHeaders | Headers, fallbackHost: string, encrypted = false): string {
  const read = (name: string): string | undefined => {
    const value = headers instanceof Headers ? headers.get(name) : headers[name];
    const first = (Array.isArray(value) ? value[0] : value)?.split(",")[0]?.trim();
    return first ? first : undefined;
  };
  const forwardedProto = read("x-forwarded-proto");
  const proto = forwardedProto === "https" || forwardedProto === "http" ? forwardedProto : encrypted ? "https" : "http";
  const host = read("x-forwarded-host") ?? read("host") ?? fallbackHost;
  return `${proto}://${host}`;
}
