import { type IncomingHttpHeaders, type ServerResponse, validateHeaderName, validateHeaderValue } from "node:http";
import {
  type AnswerOrigin,
  chooseAnswer,
  headerRefusal,
  RenderLimitError,
  renderBody,
  type RequestFacts,
  type ResponseSettings,
  type ResponseSpec,
} from "../../responses.ts";
import type { CaptureAnswer } from "../../types.ts";
import type { MemoryBudget } from "./memory-budget.ts";
import { corsAnswerHeaders, preflightHeaders } from "./cors.ts";
import { baseSecurityHeaders, sendJson } from "../http/node-http.ts";

// A custom answer served from the dashboard's origin carries a body the bin's owner
// chose; it must never run there as a page (scripts, forms, same-origin reads). On a
// capture origin of its own these are defaults the response may replace.
const customAnswerGuards: Record<string, string> = {
  ...baseSecurityHeaders,
  "Content-Security-Policy": "sandbox; default-src 'none'; frame-ancestors 'none'",
};

/** Names the headers a saved response asked for but this origin does not send (see headerRefusal). */
export const withheldHeadersHeader = "Hookyard-Withheld-Headers";

const bodylessStatuses = new Set([204, 205, 304]);

export type AnswerContext = {
  /** Which origin the capture arrived on: it decides which of the response's headers are sent. */
  origin: AnswerOrigin;
  /** The bin's CORS switch: with it on, answers carry corsAnswerHeaders (unless the response sets its own). */
  cors: boolean;
  /** Rendered bodies waiting out a delay are held here; past it they go out at once. */
  budget?: MemoryBudget;
};

/**
 * A capture's answer, decided and rendered before the capture is stored: `record` is
 * stored with it, and `send` answers with exactly that, once the capture is committed.
 */
export type PreparedAnswer = { record: CaptureAnswer; send(res: ServerResponse): void };

/**
 * The answer to a CORS preflight of a bin with CORS on: 204 with what the browser asked
 * to be allowed (see cors.ts). The bin's custom responses do not apply to it: a rule
 * answering OPTIONS would otherwise decide whether browsers may send at all.
 */
export function preparePreflight(requestId: string, headers: IncomingHttpHeaders): PreparedAnswer {
  return {
    record: { status: 204, by: "preflight", rule: null },
    send(res) {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(204, { ...baseSecurityHeaders, ...preflightHeaders(headers), "Cache-Control": "no-store", "X-Request-Id": requestId });
      res.end();
    },
  };
}

/**
 * Decides how a capture is answered: the bin's matching rule, else its default, else
 * the built-in `200 {"ok":true,"id":…}`, rendered now so the request body need not be
 * held through a delay, and so the status stored is the one sent. A body that would
 * render past maxRenderedBodyBytes is answered 500, naming the cap; any other custom
 * answer that cannot be produced (a header Node refuses to send) is logged and
 * answered 500. Both still carry the capture's `X-Request-Id`: the capture is stored
 * whatever its answer. Never throws.
 */
export function prepareAnswer(request: RequestFacts, settings: ResponseSettings, context: AnswerContext): PreparedAnswer {
  const cors = context.cors ? corsAnswerHeaders : {};
  const { spec, ...source } = chooseAnswer(settings, request);
  if (!spec) {
    return {
      record: { status: 200, ...source },
      send: (res) => sendJson(res, 200, { ok: true, id: request.id }, { ...cors, "X-Request-Id": request.id }),
    };
  }
  let payload: Buffer;
  let headers: CustomHeaders;
  try {
    payload = Buffer.from(renderBody(spec.body, request), "utf8");
    headers = customHeaders(spec, payload, request.id, context.origin, cors);
  } catch (error) {
    return unrenderable(request.id, error, source, cors);
  }
  const answer: CustomAnswer = { status: spec.status, payload, headers, requestId: request.id, cors };
  return { record: { status: spec.status, ...source }, send: (res) => sendDelayed(res, answer, spec.delayMs, context.budget) };
}

/** A custom answer ready to go out. */
type CustomAnswer = { status: number; payload: Buffer; headers: CustomHeaders; requestId: string; cors: Readonly<Record<string, string>> };

function sendDelayed(res: ServerResponse, answer: CustomAnswer, delayMs: number, budget: MemoryBudget | undefined): void {
  // What waits out a delay is counted with the bodies in memory: many delayed answers
  // at once could otherwise hold a mebibyte each for 30 s. Past the budget the answer
  // goes out without its delay rather than not at all.
  if (delayMs === 0 || !budget?.tryReserve(answer.payload.length)) {
    sendCustom(res, answer);
    return;
  }
  const held = answer.payload.length;
  const release = () => budget.release(held);
  const timer = setTimeout(() => {
    release();
    sendCustom(res, answer);
  }, delayMs);
  res.once("close", () => {
    if (res.writableEnded) return;
    clearTimeout(timer);
    release();
  });
}

/** A custom answer's headers as they go out: [name, value or values] in the order set. */
type CustomHeaders = [string, string | string[]][];

/**
 * The headers of a custom answer, checked as Node will check them when they are sent,
 * so that what is stored as answered is what goes out.
 * @throws Error (Node's) when a header name or value cannot be sent
 */
function customHeaders(spec: ResponseSpec, payload: Buffer, requestId: string, origin: AnswerOrigin, cors: Readonly<Record<string, string>>): CustomHeaders {
  const chosen = new Map<string, { name: string; values: string[] }>();
  const withheld = new Set<string>();
  for (const [name, value] of spec.headers) {
    const key = name.toLowerCase();
    // Saved settings are checked when saved; this catches rows saved under other rules
    // and responses saved for the capture origin but reached through the dashboard's host.
    if (headerRefusal(name, value, origin) !== null) {
      withheld.add(name);
      continue;
    }
    validateHeaderName(name);
    validateHeaderValue(name, value);
    const entry = chosen.get(key) ?? { name, values: [] };
    entry.values.push(value);
    chosen.set(key, entry);
  }
  const out = new Map<string, [string, string | string[]]>();
  for (const { name, values } of chosen.values()) out.set(name.toLowerCase(), [name, values.length === 1 ? values[0]! : values]);
  const defaults: Record<string, string> = { ...cors, "Cache-Control": "no-store" };
  if (payload.length > 0) defaults["Content-Type"] = "text/plain; charset=utf-8";
  const guards = origin === "dashboard" ? {} : customAnswerGuards;
  for (const [name, value] of Object.entries({ ...defaults, ...guards })) if (!out.has(name.toLowerCase())) out.set(name.toLowerCase(), [name, value]);
  if (origin === "dashboard") for (const [name, value] of Object.entries(customAnswerGuards)) out.set(name.toLowerCase(), [name, value]);
  if (withheld.size > 0) out.set(withheldHeadersHeader.toLowerCase(), [withheldHeadersHeader, [...withheld].join(", ")]);
  out.set("x-request-id", ["X-Request-Id", requestId]);
  if (!bodylessStatuses.has(spec.status)) out.set("content-length", ["Content-Length", String(payload.length)]);
  return [...out.values()];
}

function sendCustom(res: ServerResponse, { status, payload, headers, requestId, cors }: CustomAnswer): void {
  if (res.headersSent || res.destroyed) return;
  const hasBody = !bodylessStatuses.has(status) && res.req.method !== "HEAD";
  try {
    for (const [name, value] of headers) res.setHeader(name, value);
    res.writeHead(status);
  } catch (error) {
    // Checked by customHeaders as Node checks them, so this means Node's rules changed;
    // inside a delay's timer a throw would take the process down. None of the chosen
    // headers may ride on the 500.
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    answerUnrenderable(res, requestId, error, cors);
    return;
  }
  res.end(hasBody ? payload : undefined);
}

function unrenderable(requestId: string, error: unknown, source: Omit<CaptureAnswer, "status">, cors: Readonly<Record<string, string>>): PreparedAnswer {
  return { record: { status: 500, ...source }, send: (res) => answerUnrenderable(res, requestId, error, cors) };
}

/**
 * The 500 for a stored capture whose custom answer cannot be produced: past the render
 * cap (said in words, it is the bin's doing), or anything else (logged, said generically).
 */
function answerUnrenderable(res: ServerResponse, requestId: string, error: unknown, cors: Readonly<Record<string, string>>): void {
  let message: string;
  if (error instanceof RenderLimitError) {
    message = `${error.message} The capture was stored as ${requestId}.`;
  } else {
    console.error(`[capture] the custom response for capture ${requestId} could not be produced`, error);
    message = "The request was captured, but the bin's custom response could not be produced (see the server log).";
  }
  sendJson(res, 500, { error: "internal_error", message, id: requestId }, { ...cors, "X-Request-Id": requestId });
}
