import type { IncomingMessage } from "node:http";
import type { Config } from "../../config.ts";
import { AppError } from "../errors.ts";
import { categorize, isLocalhostName, literalAddress } from "../forwarding/forward-policy.ts";

/**
 * A Hookyard that listens on loopback, trusts no proxy and is given no public address
 * serves a developer on this machine, who may forward to `localhost:3000` and the LAN
 * (see defaultAllowAddresses in config.ts). Listening on loopback alone does not make it
 * so: a tunnel (ngrok, cloudflared), a proxy, or a page on another site whose name was
 * re-pointed at 127.0.0.1 (DNS rebinding) all arrive on loopback. So such an instance
 * serves its dashboard and API only to requests that name this machine (Host `localhost`,
 * `*.localhost`, `127.x.x.x`, `[::1]`) and came through no proxy; anything else gets
 * 421, and captures (which anyone may send) are served whatever the Host.
 */

/** Headers a proxy or tunnel adds; a browser or client talking to us directly sends none. */
const proxyHeaders = [
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "forwarded",
  "x-real-ip",
  "cf-connecting-ip",
  "true-client-ip",
  "via",
] as const;

/** Whether a request's Host names this machine: a loopback address or a localhost name, any port. */
export function namesThisMachine(host: string | undefined): boolean {
  if (!host) return false;
  let hostname: string;
  try {
    hostname = new URL(`http://${host}`).hostname;
  } catch {
    return false;
  }
  if (isLocalhostName(hostname)) return true;
  const literal = literalAddress(hostname);
  return literal !== null && categorize(literal.address) === "loopback";
}

/**
 * Refuses a dashboard or API request to a local-only instance (`config.localOnly`) that
 * was not made from this machine directly.
 * @throws AppError misdirected_request
 */
export function refuseUnlessLocal(req: Pick<IncomingMessage, "headers">, config: Pick<Config, "localOnly">): void {
  if (!config.localOnly) return;
  if (!namesThisMachine(req.headers.host)) {
    throw new AppError(
      "misdirected_request",
      "This Hookyard listens on loopback and serves its dashboard to this machine only (Host localhost or 127.0.0.1). To serve it under another name, set PUBLIC_URL (forwarding then reaches public addresses only).",
    );
  }
  const through = proxyHeaders.find((name) => req.headers[name] !== undefined);
  if (through) {
    throw new AppError(
      "misdirected_request",
      `This Hookyard listens on loopback and serves its dashboard to this machine only, and this request came through a proxy or tunnel (${through}). Behind a proxy you run, set TRUST_PROXY (forwarding then reaches public addresses only).`,
    );
  }
}
