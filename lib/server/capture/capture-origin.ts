import type { IncomingMessage } from "node:http";
import type { Config } from "../../config.ts";
import type { AnswerOrigin } from "../../responses.ts";
import { isTrustedHop } from "../http/trust-proxy.ts";

type Received = Pick<IncomingMessage, "headers" | "socket">;

/**
 * The host name a request was sent to: the Host header, or the first X-Forwarded-Host
 * hop only behind a proxy we trust (anyone else could write it). Lowercased, without
 * port or a trailing dot.
 */
export function requestHostName(req: Pick<IncomingMessage, "headers">, trustForwarded: boolean): string | null {
  const forwarded = trustForwarded ? req.headers["x-forwarded-host"] : undefined;
  const raw = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim() || req.headers.host;
  if (!raw) return null;
  try {
    return new URL(`http://${raw}`).hostname.toLowerCase().replace(/\.$/, "");
  } catch {
    return null;
  }
}

/**
 * Whether the request came to CAPTURE_URL's host, which serves capture and nothing
 * else. Ports are ignored on purpose: cookies and most of what a browser keeps per
 * site do not tell ports apart.
 */
export function onCaptureHost(req: Received, config: Pick<Config, "captureHost" | "trustProxy">): boolean {
  if (config.captureHost === null) return false;
  const trustForwarded = isTrustedHop(config.trustProxy, req.socket.remoteAddress ?? "", 0);
  return requestHostName(req, trustForwarded) === config.captureHost;
}

/** The origin a capture's answer is served from, which decides the headers it may carry. */
export function answerOriginOf(req: Received, config: Pick<Config, "captureHost" | "trustProxy">): AnswerOrigin {
  return onCaptureHost(req, config) ? "capture" : "dashboard";
}
