import { lookup as dnsLookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { type ForwardConfig, getConfig } from "../../config.ts";
import type { ForwardAttemptDto, ForwardAttemptSummary, ForwardJobDto, ForwardJobState, ForwardList, HeaderPair } from "../../types.ts";
import type { ForwardInput } from "../../validations/bins.ts";
import { getBinSettings } from "../bins/settings.ts";
import { type StoredAttempt, type StoredJob, getStorage } from "../storage/storage.ts";
import { AppError } from "../errors.ts";
import { viaHeader } from "./forward-loop.ts";
import { categorize, checkAddress, checkHost, isLocalhostName, literalAddress, normalizeAddress } from "./forward-policy.ts";
import { describeNetworkError, joinTargetUrl, wireHeaders } from "../../forward-message.mjs";
import { newRequestId } from "../bins/ids.ts";
import { manualForwardSlots } from "./manual-forwards.ts";
import { sharedMemoryBudget } from "../capture/memory-budget.ts";
import { forwardBodyLimit } from "../http/request-guards.ts";
import { hideSignatures, resignRequest } from "../signatures/resign.ts";

/** What came back from one exchange: an answer, or a failure in words. */
export type Exchange =
  | { kind: "answer"; status: number; headers: HeaderPair[]; body: Buffer; truncated: boolean; durationMs: number }
  | { kind: "error"; error: string; durationMs: number };

type Resolved = { address: string; family: 4 | 6 } | { error: string };

/** How forwarding asks for a name's addresses: `dns.promises.lookup`'s shape, so tests can hand in their own. */
export type LookupAll = (host: string, options: { all: true; verbatim: true }) => Promise<{ address: string; family: number }[]>;

const loopbackFallback = [
  { address: "127.0.0.1", family: 4 },
  { address: "::1", family: 6 },
];

/**
 * Resolves the target's host once and picks the first address the policy allows. The
 * exchange then connects to exactly that address, so a second lookup cannot hand out
 * another one (DNS rebinding). An address in any spelling (`127.1`, `0x7f000001`,
 * `[::ffff:127.0.0.1]`) is judged as the address it is; `localhost` names (trailing dot
 * and subdomains included) only ever mean loopback, whatever a resolver's search
 * domains make of them.
 * @throws AppError forbidden when the host or every address it resolves to is not allowed
 */
export async function resolveTarget(url: URL, policy: Pick<ForwardConfig, "allowAddresses" | "allowHosts">, lookup: LookupAll = dnsLookup): Promise<Resolved> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const hostDecision = checkHost(host, policy.allowHosts);
  if (!hostDecision.allowed) throw refused(url, hostDecision.reason);
  const literal = literalAddress(host);
  if (literal) {
    const decision = checkAddress(literal.address, policy.allowAddresses);
    if (!decision.allowed) throw refused(url, decision.reason);
    return literal;
  }
  const localhost = isLocalhostName(host);
  let addresses: { address: string; family: number }[];
  try {
    addresses = await lookup(localhost ? "localhost" : host, { all: true, verbatim: true });
  } catch (error) {
    if (!localhost) return { error: describeNetworkError(error, { host: url.host, timeoutMs: 0 }) };
    addresses = loopbackFallback;
  }
  if (localhost) {
    const loopback = addresses.filter((entry) => normalizeAddress(entry.address) && categorize(entry.address) === "loopback");
    addresses = loopback.length > 0 ? loopback : loopbackFallback;
  }
  const decisions = addresses.map((entry) => ({ entry, decision: checkAddress(entry.address, policy.allowAddresses) }));
  const chosen = decisions.find(({ decision }) => decision.allowed);
  if (!chosen) {
    const first = decisions[0]?.decision;
    const listed = addresses.map((entry) => entry.address).join(", ");
    throw refused(url, first && !first.allowed ? `${host} resolves to ${listed}; ${first.reason}` : `${host} resolves to no address`);
  }
  // The address goes to the socket exactly as the resolver gave it, the one that was checked.
  return { address: chosen.entry.address, family: isIP(chosen.entry.address) === 6 ? 6 : 4 };
}

function refused(url: URL, reason: string): AppError {
  return new AppError(
    "forbidden",
    `Forwarding to ${url.host} is not allowed: ${reason}. The policy is set by FORWARD_ALLOW_ADDRESSES and FORWARD_ALLOW_HOSTS.`,
  );
}

/**
 * One HTTP/1.1 exchange with `address` (already checked), sending `headers` exactly
 * (order, case, duplicates) and the body bytes as they are. Never throws: network
 * failures, timeouts and TLS problems come back as `{ kind: "error" }`.
 * Keeps at most `maxResponseBytes` of the answer's body.
 */
export function exchange(
  url: URL,
  address: { address: string; family: 4 | 6 },
  /** `path`: the request target to send as is; by default the URL's path and query. */
  request: { method: string; headers: HeaderPair[]; body: Uint8Array; path?: string },
  limits: { timeoutMs: number; maxResponseBytes: number },
): Promise<Exchange> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const transport = url.protocol === "https:" ? https : http;
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  return new Promise((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (result: Exchange) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const fail = (error: unknown) =>
      finish({ kind: "error", error: describeNetworkError(error, { host: url.host, timeoutMs: limits.timeoutMs }), durationMs: elapsed() });

    let req: http.ClientRequest;
    try {
      req = transport.request(
        {
          // The socket goes to the address that was checked, never to a fresh resolution
          // of the name (the name still goes in Host and, for TLS, in SNI and the
          // certificate check).
          host: address.address,
          family: address.family,
          port: url.port || (url.protocol === "https:" ? 443 : 80),
          method: request.method,
          path: request.path ?? `${url.pathname}${url.search}`,
          // The flat [name, value, ...] form keeps order, case and duplicates; Host is in it.
          headers: request.headers.flat(),
          setHost: false,
          agent: false,
          // Belt and braces: should Node ever resolve, it gets the checked address too.
          lookup: (_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
            if (options.all) callback(null, [{ address: address.address, family: address.family }]);
            else callback(null, address.address, address.family);
          },
          ...(url.protocol === "https:" && !isIP(hostname) ? { servername: hostname } : {}),
        } as http.RequestOptions,
        (res) => {
          const chunks: Buffer[] = [];
          let kept = 0;
          let truncated = false;
          const headers: HeaderPair[] = [];
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!]);
          const done = () => finish({ kind: "answer", status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks), truncated, durationMs: elapsed() });
          res.on("data", (chunk: Buffer) => {
            if (truncated) return;
            const room = limits.maxResponseBytes - kept;
            if (chunk.length > room) {
              chunks.push(chunk.subarray(0, room));
              kept += room;
              truncated = true;
              // Enough kept: stop reading and answer now rather than download the rest.
              done();
              res.destroy();
              return;
            }
            chunks.push(chunk);
            kept += chunk.length;
          });
          res.on("end", done);
          res.on("error", fail);
          res.on("aborted", () => fail(Object.assign(new Error("aborted"), { code: "ECONNRESET" })));
        },
      );
    } catch (error) {
      // Node refuses some messages before any connection (a header value it cannot encode).
      fail(error);
      return;
    }
    timer = setTimeout(() => {
      const error = Object.assign(new Error("timeout"), { code: "FORWARD_TIMEOUT" });
      fail(error);
      req.destroy(error);
    }, limits.timeoutMs);
    req.on("error", fail);
    req.end(Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength));
  });
}

/**
 * A forward by hand as it arrives: its input is read only once the forward has a slot,
 * since the JSON may carry an edited body of MAX_BODY_BYTES in base64.
 */
export type ForwardRequest = {
  /** The request's declared Content-Length; null when chunked. */
  declaredBytes: number | null;
  /** Reads and validates the JSON body. */
  read(): Promise<ForwardInput>;
};

/**
 * Sends capture `requestId` to `input.url`, as captured or edited, re-signed when asked,
 * records the attempt and remembers the target for the bin. Holds one of the bin's and
 * the server's slots for forwards by hand (FORWARD_MANUAL_CONCURRENCY, _PER_BIN) from
 * before the input is read until the attempt is kept, and counts what it holds in
 * memory (the request, the body it sends, room for the answer) against
 * MAX_BUFFERED_BODY_BYTES, with the captures being received.
 * @returns the attempt, whose `error` says in words why no answer came
 * @throws AppError too_many_requests (no slot free, with Retry-After), service_unavailable
 *   (memory budget spent), whatever `request.read` throws, not_found (bin or capture),
 *   bad_request (re-signing impossible), forbidden (target outside the forwarding policy;
 *   nothing is sent or recorded)
 */
export async function forwardCapture(binId: string, requestId: string, request: ForwardRequest): Promise<ForwardAttemptDto> {
  const fullConfig = getConfig();
  const config = fullConfig.forward;
  const slot = manualForwardSlots().take(binId);
  const budget = sharedMemoryBudget(fullConfig.maxBufferedBodyBytes);
  let held = 0;
  const hold = (bytes: number) => {
    if (!budget.tryReserve(bytes)) throw bodiesOverBudget();
    held += bytes;
  };
  try {
    // A chunked request may be as large as the route takes; the answer kept may be as
    // large as FORWARD_MAX_RESPONSE_BYTES.
    hold((request.declaredBytes ?? forwardBodyLimit(fullConfig)) + config.maxResponseBytes);
    const input = await request.read();
    const storage = getStorage();
    const row = await storage.forwarding.captureToForward(binId, requestId);
    if (!row) throw captureNotFound(requestId);
    // Reserved before the bytes exist: the decoded edit, or the stored body read back.
    hold(input.bodyBase64 !== undefined ? Buffer.byteLength(input.bodyBase64, "base64") : row.body.size);

    const { url, path } = captureDestination(input.url, row, input.appendPath);
    const method = input.method ?? row.method;
    const body: Uint8Array = input.bodyBase64 !== undefined ? Buffer.from(input.bodyBase64, "base64") : await storage.captures.readBody(row.body);
    const given: HeaderPair[] = input.headers ?? (JSON.parse(row.headers) as HeaderPair[]);
    const { headers, signatureHeaders } = input.resign ? await resign(binId, given, body) : { headers: given, signatureHeaders: [] };

    const { attempt } = await deliver(
      { requestId, target: input.url, url, path, method, headers, body, resigned: input.resign, signatureHeaders, automatic: false },
      config,
    );
    await storage.bins.rememberForwardUrl(binId, input.url);
    return attempt;
  } finally {
    budget.release(held);
    slot.release();
  }
}

function bodiesOverBudget(): AppError {
  return new AppError("service_unavailable", "Hookyard is holding too many request bodies (MAX_BUFFERED_BODY_BYTES) to take this forward now; retry shortly.", {
    "Retry-After": "1",
  });
}

/** Where a capture goes: the URL to connect to, and the request target exactly as it is sent. */
export function captureDestination(target: string, capture: { path: string; query: string }, appendPath: boolean): { url: URL; path: string } {
  const href = appendPath ? joinTargetUrl(target, capture.path, capture.query) : target;
  const url = new URL(href);
  // The captured sub-path and query go out exactly as received: URL's serialisation would
  // resolve dot segments and percent-encode quotes, changing what a signature covers.
  return { url, path: appendPath ? href.slice(url.origin.length) : `${url.pathname}${url.search}` };
}

/** One message to send for a capture, already built (joined URL, edited or re-signed headers). */
export type Outgoing = {
  requestId: string;
  /** The target as given. */
  target: string;
  url: URL;
  /** The request target exactly as it goes on the wire. */
  path: string;
  method: string;
  headers: HeaderPair[];
  body: Uint8Array;
  resigned: boolean;
  /** Headers holding signatures Hookyard computed: sent, but kept and answered as `(re-signed)`. */
  signatureHeaders: string[];
  /** Sent by the auto-forward worker: a target outside the policy is recorded as a failed attempt. */
  automatic: boolean;
};

/**
 * Checks the target against the policy, sends the message once and records the attempt.
 * `refused` says the policy ruled the target out (recorded only when automatic).
 * @throws AppError forbidden when a target sent by hand is outside the forwarding policy
 */
export async function deliver(outgoing: Outgoing, config: ForwardConfig): Promise<{ attempt: ForwardAttemptDto; result: Exchange; refused: boolean }> {
  const { url, path, method, body } = outgoing;
  let refused = false;
  let target: Resolved;
  try {
    target = await resolveTarget(url, config);
  } catch (error) {
    // Nobody is there to be answered 403: the worker keeps the reason with the capture.
    if (!outgoing.automatic || !(error instanceof AppError && error.code === "forbidden")) throw error;
    refused = true;
    target = { error: error.message };
  }
  // Via marks the request as ours, so a capture of it here is not auto-forwarded again (forward-loop.ts).
  const sent = wireHeaders(url, method, outgoing.headers, body.length, [viaHeader()]);
  const result: Exchange =
    "error" in target ? { kind: "error", error: target.error, durationMs: 0 } : await exchange(url, target, { method, headers: sent, body, path }, config);

  const shown = hideSignatures(sent, outgoing.signatureHeaders, result.kind === "answer" ? { headers: result.headers, body: result.body } : null);
  const answer = result.kind === "answer" ? { ...result, ...shown.answer } : result;
  const attempt = await getStorage().forwarding.keepAttempt(
    {
      id: newRequestId(),
      requestId: outgoing.requestId,
      target: outgoing.target,
      url: `${url.origin}${path}`,
      method,
      requestHeaders: JSON.stringify(shown.sent),
      requestSize: body.length,
      resigned: outgoing.resigned,
      automatic: outgoing.automatic,
      durationMs: result.durationMs,
      ...(answer.kind === "answer"
        ? {
            status: answer.status,
            responseHeaders: JSON.stringify(answer.headers),
            responseBody: new Uint8Array(answer.body),
            responseTruncated: answer.truncated,
          }
        : { error: answer.error }),
    },
    attemptsKeptPerCapture,
  );
  return { attempt: toAttemptDto(attempt), result, refused };
}

/**
 * Attempts kept per capture, the newest. Each may hold FORWARD_MAX_RESPONSE_BYTES of the
 * target's answer, which MAX_BIN_BYTES does not count: without a cap, forwarding one
 * capture again and again would grow the database without end.
 */
export const attemptsKeptPerCapture = 50;

async function resign(binId: string, headers: HeaderPair[], body: Uint8Array): Promise<{ headers: HeaderPair[]; signatureHeaders: string[] }> {
  const check = (await getBinSettings(binId))?.signature;
  const secret = check?.secrets[0];
  if (!check || !secret) throw new AppError("bad_request", "This bin has no signature secret to re-sign with: set up its signature check first.");
  const signed = resignRequest(check.provider, { headers, body, secret, nowSeconds: Math.floor(Date.now() / 1000) });
  if ("problem" in signed) throw new AppError("bad_request", `Cannot re-sign: ${signed.problem}.`);
  return signed;
}

/**
 * Every attempt for the capture, oldest first, with the bin's remembered target and its
 * recent targets for the form.
 * @throws AppError not_found
 */
export async function listForwards(binId: string, requestId: string): Promise<ForwardList> {
  const forwards = await getStorage().forwarding.forwardsOf(binId, requestId);
  if (!forwards) throw captureNotFound(requestId);
  return {
    attempts: forwards.attempts.map(toAttemptDto),
    rememberedUrl: forwards.rememberedUrl,
    recentUrls: forwards.recentTargets,
    job: forwards.job ? toJobDto(forwards.job) : null,
  };
}

/**
 * The `forward-attempt` event of an attempt another instance made, rebuilt from its id
 * (a notice carries only that); null when the attempt or its capture is gone.
 */
export async function forwardAttemptEvent(binId: string, attemptId: string): Promise<{ attempt: ForwardAttemptSummary; job: ForwardJobDto } | null> {
  const found = await getStorage().forwarding.attemptWithJob(binId, attemptId);
  if (!found?.job) return null;
  const { bodyBase64: _body, ...attempt } = toAttemptDto(found.attempt);
  return { attempt, job: toJobDto(found.job) };
}

function toAttemptDto(row: StoredAttempt): ForwardAttemptDto {
  return {
    id: row.id,
    requestId: row.requestId,
    createdAt: row.createdAt.getTime(),
    target: row.target,
    url: row.url,
    method: row.method,
    requestHeaders: JSON.parse(row.requestHeaders) as HeaderPair[],
    requestSize: row.requestSize,
    resigned: row.resigned,
    durationMs: row.durationMs,
    status: row.status,
    headers: row.responseHeaders ? (JSON.parse(row.responseHeaders) as HeaderPair[]) : [],
    bodyBase64: row.responseBody ? Buffer.from(row.responseBody).toString("base64") : "",
    bodyTruncated: row.responseTruncated,
    error: row.error,
    automatic: row.automatic,
  };
}

export function toJobDto(row: StoredJob): ForwardJobDto {
  const state = row.state as ForwardJobState;
  return {
    state,
    target: row.target,
    attempts: row.attempts,
    maxAttempts: row.maxAttempts,
    nextAttemptAt: state === "pending" || state === "running" ? row.nextAttemptAt : null,
    lastError: row.lastError,
  };
}

function captureNotFound(requestId: string): AppError {
  return new AppError("not_found", `No capture with id ${requestId} in this bin.`);
}
