import type { IncomingMessage, ServerResponse } from "node:http";
import type { Config } from "../../config.ts";
import { binNotFound } from "../bins/bins.ts";
import { type BinSettings, binExists, resolveBin } from "../bins/settings.ts";
import { collectBodyGarbageSoon } from "./body-garbage.ts";
import { type CaptureRow, defaultInlineBodyBytes } from "../storage/storage.ts";
import { AppError } from "../errors.ts";
import { storageRefusal } from "../storage/storage-health.ts";
import { forwardLoopReason } from "../forwarding/forward-loop.ts";
import type { GroupCommitWriter } from "../storage/group-commit.ts";
import type { MemoryBudget } from "./memory-budget.ts";
import { newRequestId } from "../bins/ids.ts";
import type { LazyBytes } from "../../responses.ts";
import type { CaptureAnswer } from "../../types.ts";
import { type PreparedAnswer, prepareAnswer, preparePreflight } from "./responses.ts";
import { corsAnswerHeaders, isPreflight } from "./cors.ts";
import { answerOriginOf } from "./capture-origin.ts";
import { judge, noCheck } from "../signatures/signature-checks.ts";
import { rawProblemResponse, requestOrigin, sendProblem } from "../http/node-http.ts";
import { type RateLimiter, retryAfterSeconds } from "../http/rate-limit.ts";
import { forwardedForHops, isTrustedHop, resolveClientAddress, type TrustProxy } from "../http/trust-proxy.ts";

export type CaptureTarget = { binId: string; path: string; query: string };

const capturePrefix = "/b/";

/**
 * Splits a request target such as `/b/{binId}/sub/path?x=1` into the bin id, the
 * sub-path (exactly as sent, percent-encoding kept, empty for `/b/{binId}`) and the
 * raw query string. Accepts the absolute form proxies send. Returns null for targets
 * outside `/b/`.
 */
export function parseCaptureTarget(rawTarget: string): CaptureTarget | null {
  const target = rawTarget.startsWith("/") ? rawTarget : rawTarget.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, "");
  if (!target.startsWith(capturePrefix)) return null;
  const queryStart = target.indexOf("?");
  const pathPart = queryStart === -1 ? target : target.slice(0, queryStart);
  const query = queryStart === -1 ? "" : target.slice(queryStart + 1);
  const rest = pathPart.slice(capturePrefix.length);
  const slash = rest.indexOf("/");
  const binId = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? "" : rest.slice(slash);
  return { binId, path, query };
}

/**
 * The client's address: the socket peer, or behind proxies of ours (TRUST_PROXY) the
 * right-most X-Forwarded-For hop that is not one of them (see trust-proxy.ts).
 */
export function clientIp(req: IncomingMessage, trustProxy: TrustProxy): string {
  const forwardedFor = trustProxy.mode === "off" ? [] : forwardedForHops(req.rawHeaders);
  return resolveClientAddress(req.socket.remoteAddress, forwardedFor, trustProxy);
}

/** Whether the socket peer is a proxy of ours, so its X-Forwarded-* headers are believed. */
export function peerIsTrustedProxy(req: IncomingMessage, trustProxy: TrustProxy): boolean {
  return isTrustedHop(trustProxy, req.socket.remoteAddress ?? "", 0);
}

/** `rawHeaders` is a flat [name, value, name, value...] list in wire order. */
export function headerPairs(rawHeaders: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) pairs.push([rawHeaders[i]!, rawHeaders[i + 1]!]);
  return pairs;
}

class ClientGone extends Error {
  override name = "ClientGone";
}

/** A body as it arrived: the socket's chunks in order, never concatenated, and their total length. */
export type ReceivedBody = { chunks: Buffer[]; size: number };

/**
 * Collects the body, refusing it as soon as it passes `limit` bytes. The bytes held are
 * reserved in `budget`; on success the caller owns the reservation of `size` bytes and
 * must release it, on failure it is already released.
 *
 * The chunks Node's parser hands over are fresh copies, so they are kept as they are:
 * copying them into one buffer would hold a large body twice (the store writes them
 * as separate rows; see capture-store.ts). A declared Content-Length is reserved up
 * front, so a body that cannot fit is refused before it is read.
 * @throws AppError payload_too_large, AppError service_unavailable when the memory
 *   budget is spent, ClientGone when the client disconnects mid-body
 */
export function readBody(req: IncomingMessage, limit: number, budget: MemoryBudget, declaredLength?: number, limitName?: string): Promise<ReceivedBody> {
  return new Promise((resolve, reject) => {
    const declared = declaredLength !== undefined && declaredLength > 0 ? declaredLength : 0;
    if (declared > 0 && !budget.tryReserve(declared)) return reject(overloaded());
    let reserved = declared;
    const chunks: Buffer[] = [];
    let size = 0;

    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("close", onClose);
      req.off("error", onClose);
    };
    const fail = (error: Error) => {
      cleanup();
      budget.release(reserved);
      chunks.length = 0;
      reject(error);
    };
    const refuse = (error: Error) => {
      fail(error);
      // Keep reading but throw the bytes away, so the client can read our answer
      // instead of hitting a reset while it is still sending.
      req.resume();
    };
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > limit) return refuse(tooLarge(limit, limitName));
      // Node's parser never delivers more than the declared length, so only a body
      // without one reserves as it goes.
      if (declared === 0) {
        if (!budget.tryReserve(chunk.length)) return refuse(overloaded());
        reserved += chunk.length;
      }
      chunks.push(chunk);
      size += chunk.length;
    };
    const onEnd = () => {
      cleanup();
      resolve({ chunks, size });
    };
    const onClose = () => {
      if (!req.complete) fail(new ClientGone("client disconnected before the body was complete"));
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("close", onClose);
    req.on("error", onClose);
  });
}

function overloaded(): AppError {
  return new AppError("service_unavailable", "Hookyard is holding too many request bodies; retry shortly.", { "Retry-After": "1" });
}

function tooLarge(limit: number, variable = "MAX_BODY_BYTES"): AppError {
  return new AppError("payload_too_large", `Request body exceeds the ${limit}-byte limit (${variable}).`);
}

/**
 * The largest body a capture may have: MAX_BODY_BYTES, or a smaller MAX_BIN_BYTES, since
 * a body larger than what its bin may hold in all could only be stored by emptying the
 * bin and still not fit. Refused (413) like any body over the limit, nothing stored.
 */
function bodyLimit(config: CaptureDeps["config"]): { limit: number; variable: string } {
  return config.maxBinBytes > 0 && config.maxBinBytes < config.maxBodyBytes
    ? { limit: config.maxBinBytes, variable: "MAX_BIN_BYTES" }
    : { limit: config.maxBodyBytes, variable: "MAX_BODY_BYTES" };
}

/**
 * The absolute URL as the sender saw it; providers such as Twilio sign exactly this.
 * Scheme and host come from X-Forwarded-Proto/-Host only when a proxy of ours set them.
 */
function capturedUrl(req: IncomingMessage, config: CaptureDeps["config"]): string {
  const target = req.url ?? "/";
  if (!target.startsWith("/")) return target; // absolute form: the sender gave it whole
  const origin = requestOrigin(req.headers, `localhost:${config.port}`, "encrypted" in req.socket, peerIsTrustedProxy(req, config.trustProxy));
  return origin + target;
}

export type CaptureDeps = {
  config: Pick<Config, "maxBodyBytes" | "maxBinBytes" | "trustProxy" | "port" | "captureHost">;
  writer: GroupCommitWriter;
  budget: MemoryBudget;
  /** Per-bin capture rate (RATE_LIMIT_PER_SECOND / _BURST); null when off. */
  rateLimiter: RateLimiter | null;
};

/**
 * Captures one request to `/b/{binId or alias}/...` and answers only once it is
 * committed, with the bin's chosen response (possibly after its delay).
 * Every failure is answered as a JSON problem (a database that is full: 507; one that
 * is down or too slow: 503 with Retry-After); a client that disconnects mid-body
 * leaves nothing behind. With `expectsContinue` (the client sent `Expect: 100-continue`)
 * `100 Continue` goes out only once the bin, its rate limit and the declared length
 * have passed, so a body that would be refused is never asked for.
 *
 * The answer is decided before the capture is stored, and stored with it (what the
 * dashboard shows as "Answered"): a CORS preflight to a bin with CORS on is answered
 * 204 by cors.ts whatever its rules say; anything else by the bin's rules, default or
 * the built-in answer.
 */
export async function captureRequest(
  req: IncomingMessage,
  res: ServerResponse,
  target: CaptureTarget,
  deps: CaptureDeps,
  expectsContinue = false,
): Promise<void> {
  const receivedAt = Date.now();
  // Until the bin is known (and for one that does not exist), refusals carry the CORS
  // headers, as every bin's answers did before the switch existed: a page can read why.
  let cors: Readonly<Record<string, string>> = corsAnswerHeaders;
  try {
    // No guess limit here: a bin's name (id or alias) only lets one capture into it,
    // which anyone may, and counting misses would let anyone who points a sender's
    // webhooks at a made-up name get that sender refused everywhere (docs/decisions/008).
    const bin = await resolveBin(target.binId);
    if (!bin) throw binNotFound(target.binId);
    const { binId, settings } = bin;
    if (!settings.cors) cors = {};
    // Before the body is read: a refused capture costs no memory and no write.
    const waitMs = deps.rateLimiter?.take(binId, receivedAt) ?? 0;
    if (waitMs > 0) {
      throw new AppError("too_many_requests", "This bin receives more requests than its rate limit (RATE_LIMIT_PER_SECOND); nothing was stored.", {
        "Retry-After": retryAfterSeconds(waitMs),
      });
    }

    const { limit, variable } = bodyLimit(deps.config);
    const declaredLength = Number(req.headers["content-length"]);
    if (Number.isFinite(declaredLength) && declaredLength > limit) throw tooLarge(limit, variable);
    if (expectsContinue) res.writeContinue();
    const body = await readBody(req, limit, deps.budget, Number.isFinite(declaredLength) ? declaredLength : undefined, variable);
    const joined = joinOnDemand(body);
    const headers = headerPairs(req.rawHeaders);
    // A signature check reads the body whole, and the joined copy lives until the
    // answer: the budget counts it too (one chunk is used as it is, no copy).
    const joinedCopy = settings.signature && body.chunks.length > 1 ? body.size : 0;
    let reserved = body.size;
    let answer: PreparedAnswer;
    try {
      if (joinedCopy > 0) {
        if (!deps.budget.tryReserve(joinedCopy)) throw overloaded();
        reserved += joinedCopy;
      }
      const id = newRequestId(receivedAt);
      const ip = clientIp(req, deps.config.trustProxy);
      answer =
        settings.cors && isPreflight(req.method, req.headers)
          ? preparePreflight(id, req.headers)
          : prepareAnswer(
              { id, method: req.method ?? "GET", path: target.path, query: target.query, headers, body: joined, ip, receivedAt },
              settings.responses,
              { origin: answerOriginOf(req, deps.config), cors: settings.cors, budget: deps.budget },
            );
      const row = toCaptureRow(req, { id, ip, answer: answer.record }, { ...target, binId }, headers, body, joined, receivedAt, deps.config, settings);
      await deps.writer.write(row);
    } catch (error) {
      // A database that refused the write itself (full: 507; down or too slow: 503) says
      // nothing about the bin, and asking it whether the bin exists would fail alike.
      if (error instanceof AppError || storageRefusal(error)) throw error;
      // The bin was deleted while this capture waited for its commit. Answered with the
      // name the sender used: an alias must not give away the id behind it.
      if (!(await binExists(binId))) throw binNotFound(target.binId);
      throw error;
    } finally {
      deps.budget.release(reserved);
      if (body.size > defaultInlineBodyBytes) collectBodyGarbageSoon(body.size);
    }
    answer.send(res);
  } catch (error) {
    if (error instanceof ClientGone) return;
    if (error instanceof AppError && error.code === "payload_too_large") {
      // The rest of the body is not wanted: close once the answer is out.
      sendProblem(res, error, { ...cors, Connection: "close" });
      return;
    }
    // A raw driver error from looking the bin up: a database that is full or unavailable
    // is answered 507 or 503 (with Retry-After), never 500.
    sendProblem(res, storageRefusal(error) ?? error, cors);
  }
}

/**
 * The body in one buffer for the few readers that need it whole (a signature check,
 * a response rule or placeholder reading the body), joined on first use and kept:
 * a capture nobody reads whole is never copied.
 */
function joinOnDemand(body: ReceivedBody): LazyBytes {
  let whole: Buffer | undefined;
  return {
    byteLength: body.size,
    bytes: () => (whole ??= body.chunks.length === 1 ? body.chunks[0]! : Buffer.concat(body.chunks, body.size)),
  };
}

function toCaptureRow(
  req: IncomingMessage,
  decided: { id: string; ip: string; answer: CaptureAnswer },
  target: CaptureTarget,
  headers: [string, string][],
  body: ReceivedBody,
  joined: LazyBytes,
  receivedAt: number,
  config: CaptureDeps["config"],
  settings: BinSettings,
): CaptureRow {
  const method = req.method ?? "GET";
  const url = capturedUrl(req, config);
  return {
    id: decided.id,
    binId: target.binId,
    method,
    path: target.path,
    query: target.query,
    url,
    headers: JSON.stringify(headers),
    contentType: req.headers["content-type"] ?? null,
    body: body.chunks,
    size: body.size,
    ip: decided.ip,
    receivedAt,
    answerStatus: decided.answer.status,
    answerBy: decided.answer.by,
    answerRule: decided.answer.rule,
    ...(settings.signature ? judge({ method, url, headers, body: joined.bytes(), receivedAt }, settings.signature) : noCheck),
    ...(settings.maxCaptures !== null ? { maxCaptures: settings.maxCaptures } : {}),
    ...(settings.autoForward ? { forwardJob: autoForwardJob(settings.autoForward, headers) } : {}),
  };
}

/** The capture's job; one that came from our own forwarder is recorded as not sent, so it cannot loop. */
function autoForwardJob(setting: NonNullable<BinSettings["autoForward"]>, headers: [string, string][]): NonNullable<CaptureRow["forwardJob"]> {
  const loop = forwardLoopReason(headers);
  return { target: setting.url, maxAttempts: setting.maxAttempts, ...(loop ? { notSent: loop } : {}) };
}

/** CONNECT never reaches the request handler; answer it instead of dropping the socket. */
export function refuseConnect(socket: NodeJS.WritableStream & { destroy(): void }): void {
  socket.end(rawProblemResponse("method_not_allowed", "CONNECT is not supported."));
}
