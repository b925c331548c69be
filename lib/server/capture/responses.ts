import type { ServerResponse } from "node:http";
import {
  type AnswerOrigin,
  chooseResponse,
  headerRefusal,
  RenderLimitError,
  renderBody,
  type RequestFacts,
  type ResponseSettings,
  type ResponseSpec,
} from "../../responses.ts";
import type { MemoryBudget } from "./memory-budget.ts";
import { baseSecurityHeaders, sendJson } from "../http/node-http.ts";

/** Sent with every capture answer, built-in or custom, so browsers may post to bins. */
export const captureCorsHeaders: Record<string, string> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Expose-Headers": "X-Request-Id",
};

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
  /** Rendered bodies waiting out a delay are held here; past it they go out at once. */
  budget?: MemoryBudget;
};

/**
 * Answers a capture that is already committed: the bin's matching rule, else its
 * default, else the built-in `200 {"ok":true,"id":…}`. A delay is a timer, holding
 * no thread and no database; a client that leaves during it is simply not answered.
 * A body that would render past maxRenderedBodyBytes is answered 500, naming the cap;
 * any other custom answer that cannot be produced is logged and answered 500. Both
 * still carry the capture's `X-Request-Id`: the capture is stored whatever its answer.
 */
export function answerCapture(res: ServerResponse, request: RequestFacts, settings: ResponseSettings, context: AnswerContext): void {
  let spec: ResponseSpec | null;
  // Rendered now so the request body need not be held through the delay.
  let payload: Buffer;
  try {
    spec = chooseResponse(settings, request);
    if (!spec) {
      sendJson(res, 200, { ok: true, id: request.id }, { ...captureCorsHeaders, "X-Request-Id": request.id });
      return;
    }
    payload = Buffer.from(renderBody(spec.body, request), "utf8");
  } catch (error) {
    answerUnrenderable(res, request.id, error);
    return;
  }
  const chosen = spec;
  // What waits out a delay is counted with the bodies in memory: many delayed answers
  // at once could otherwise hold a mebibyte each for 30 s. Past the budget the answer
  // goes out without its delay rather than not at all.
  if (chosen.delayMs === 0 || !context.budget?.tryReserve(payload.length)) {
    sendCustom(res, chosen, payload, request.id, context.origin);
    return;
  }
  const held = payload.length;
  const release = () => context.budget?.release(held);
  const timer = setTimeout(() => {
    release();
    sendCustom(res, chosen, payload, request.id, context.origin);
  }, chosen.delayMs);
  res.once("close", () => {
    if (res.writableEnded) return;
    clearTimeout(timer);
    release();
  });
}

function sendCustom(res: ServerResponse, spec: ResponseSpec, payload: Buffer, requestId: string, origin: AnswerOrigin): void {
  if (res.headersSent || res.destroyed) return;
  const hasBody = !bodylessStatuses.has(spec.status) && res.req.method !== "HEAD";
  try {
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
      const entry = chosen.get(key) ?? { name, values: [] };
      entry.values.push(value);
      chosen.set(key, entry);
    }
    for (const { name, values } of chosen.values()) res.setHeader(name, values.length === 1 ? values[0]! : values);
    const defaults: Record<string, string> = { ...captureCorsHeaders, "Cache-Control": "no-store" };
    if (payload.length > 0) defaults["Content-Type"] = "text/plain; charset=utf-8";
    const guards = origin === "dashboard" ? {} : customAnswerGuards;
    for (const [name, value] of Object.entries({ ...defaults, ...guards })) if (!chosen.has(name.toLowerCase())) res.setHeader(name, value);
    if (origin === "dashboard") for (const [name, value] of Object.entries(customAnswerGuards)) res.setHeader(name, value);
    if (withheld.size > 0) res.setHeader(withheldHeadersHeader, [...withheld].join(", "));
    res.setHeader("X-Request-Id", requestId);
    if (!bodylessStatuses.has(spec.status)) res.setHeader("Content-Length", payload.length);
    res.writeHead(spec.status);
  } catch (error) {
    // Nothing has gone out yet; none of the chosen headers may ride on the 500.
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    answerUnrenderable(res, requestId, error);
    return;
  }
  res.end(hasBody ? payload : undefined);
}

/**
 * The 500 for a stored capture whose custom answer cannot be produced: past the render
 * cap (said in words, it is the bin's doing), or anything else (logged, said generically).
 */
function answerUnrenderable(res: ServerResponse, requestId: string, error: unknown): void {
  let message: string;
  if (error instanceof RenderLimitError) {
    message = `${error.message} The capture was stored as ${requestId}.`;
  } else {
    console.error(`[capture] the custom response for capture ${requestId} could not be produced`, error);
    message = "The request was captured, but the bin's custom response could not be produced (see the server log).";
  }
  sendJson(res, 500, { error: "internal_error", message, id: requestId }, { ...captureCorsHeaders, "X-Request-Id": requestId });
}
