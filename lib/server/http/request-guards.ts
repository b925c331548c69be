import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { AppError } from "../errors.ts";
import { baseSecurityHeaders, rawProblemResponse, sendProblem } from "./node-http.ts";

/**
 * What the custom server checks and tidies on a request before Next sees it: Next
 * answers some odd request targets with a 500 or a redirect to a host the client
 * named, reads bodies without a limit, and believes X-Forwarded-* from anyone.
 */

/** Every method the dashboard and API answer; `/b/*` takes any method Node parses. */
const allowedMethods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

/**
 * `OPTIONS *` asks about the server as a whole (RFC 9110 §9.3.7): answered here, as
 * Next would 500 on a target that is not a path. Any other method with `*` is a 400.
 */
export function answerAsteriskTarget(req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== "OPTIONS") {
    sendProblem(res, new AppError("bad_request", "The request target * is only meaningful with OPTIONS."));
    return;
  }
  res.writeHead(204, { ...baseSecurityHeaders, Allow: allowedMethods, "Cache-Control": "no-store" });
  res.end();
}

const absoluteForm = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;

/**
 * The request target in origin form (`/path?query`), as Next must see it, or a problem.
 * An absolute-form target (`http://elsewhere.example/x`, which proxies send and every
 * server must accept) keeps only its path: Next would otherwise redirect to the host it
 * names. Leading slashes collapse to one (`//elsewhere.example/x` is a path here, never
 * a host). A path that is not valid percent-encoding names nothing that can exist: 404
 * (as a bin id that does not fit its pattern is), not Next's 500.
 */
export function originFormTarget(rawTarget: string): { target: string } | { problem: AppError } {
  let target = rawTarget.replace(absoluteForm, (scheme) => (scheme === rawTarget ? "/" : ""));
  if (target.startsWith("?")) target = `/${target}`;
  if (!target.startsWith("/")) {
    return { problem: new AppError("bad_request", "The request target must be a path such as /api/health or an absolute http(s) URL.") };
  }
  target = target.replace(/^\/{2,}/, "/");
  const queryStart = target.indexOf("?");
  const path = queryStart === -1 ? target : target.slice(0, queryStart);
  try {
    decodeURIComponent(path);
  } catch {
    return { problem: new AppError("not_found", "Not found: the request path holds a malformed percent-escape (such as %E0%A4%A).") };
  }
  return { target };
}

const forwardRoute = /^\/api\/bins\/[^/?]+\/requests\/[^/?]+\/forward(?:\?|$)/;

/**
 * The body limit of a request handed to Next: API_MAX_BODY_BYTES, and for a forward the
 * room an edited body of MAX_BODY_BYTES takes in base64 on top (it is sent as `bodyBase64`).
 */
export function nextBodyLimit(target: string, limits: { apiMaxBodyBytes: number; maxBodyBytes: number }): number {
  return forwardRoute.test(target) ? forwardBodyLimit(limits) : limits.apiMaxBodyBytes;
}

/** The largest body of a POST …/forward: API_MAX_BODY_BYTES and MAX_BODY_BYTES in base64. */
export function forwardBodyLimit(limits: { apiMaxBodyBytes: number; maxBodyBytes: number }): number {
  return limits.apiMaxBodyBytes + Math.ceil(limits.maxBodyBytes / 3) * 4;
}

function tooLarge(limit: number): AppError {
  return new AppError("payload_too_large", `Request body exceeds the ${limit}-byte limit (API_MAX_BODY_BYTES).`);
}

/**
 * Holds a request handed to Next to `limit` body bytes, counted as Node's parser hands
 * them over and before Next reads any: a declared Content-Length over the limit is
 * answered 413 at once (returns false: do not hand the request on); a body without one
 * (chunked) is answered 413 the moment it crosses the limit, and nothing past it
 * reaches Next, whose read then fails as the connection closes, so no handler acts on
 * a cut-off body.
 */
export function limitBody(req: IncomingMessage, res: ServerResponse, limit: number): boolean {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    sendProblem(res, tooLarge(limit), { Connection: "close" });
    return false;
  }
  // With a declared length in bounds Node's parser never delivers more than it.
  if (req.headers["transfer-encoding"] === undefined) return true;
  const push = req.push.bind(req);
  let received = 0;
  let refused = false;
  // Node's HTTP parser hands each body chunk to `push` (the Readable API); counting
  // there catches the bytes before any reader, Next's included, can buffer them.
  req.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (refused) return false;
    if (chunk !== null && (Buffer.isBuffer(chunk) || typeof chunk === "string")) {
      received += Buffer.byteLength(chunk);
      if (received > limit) {
        refused = true;
        if (!res.headersSent) sendProblem(res, tooLarge(limit), { Connection: "close" });
        else res.socket?.destroy();
        return false;
      }
    }
    return push(chunk, encoding);
  };
  return true;
}

/**
 * X-Forwarded-Proto/-Host/-Port/-For are the word of a proxy of ours or of nobody: from
 * any other peer they are dropped before Next sees the request (Next then fills them in
 * from the socket and Host, as it does when they are absent).
 */
export function dropForwardingHeaders(req: IncomingMessage): void {
  for (const name of ["x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port"]) delete req.headers[name];
}

/** Next's hot reload in development (`next dev`) talks over a WebSocket at this path. */
const hotReloadPath = /^\/_next\/hmr(?:[/?]|$)/;

export function isHotReloadTarget(target: string): boolean {
  return hotReloadPath.test(target);
}

/**
 * An `upgrade` that nothing here serves: answered with a JSON problem and closed,
 * never left open (a socket held forever is a file descriptor gone).
 */
export function refuseUpgrade(socket: Duplex): void {
  socket.on("error", () => socket.destroy());
  socket.end(rawProblemResponse("bad_request", "Protocol upgrades (WebSocket, h2c...) are not supported here."), () => socket.destroy());
}
