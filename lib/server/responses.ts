import type { ServerResponse } from "node:http";
import { chooseResponse, renderBody, type RequestFacts, type ResponseSettings, type ResponseSpec } from "../responses.ts";
import { baseSecurityHeaders, sendJson } from "./node-http.ts";

/** Sent with every capture answer, built-in or custom, so browsers may post to bins. */
export const captureCorsHeaders: Record<string, string> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Expose-Headers": "X-Request-Id",
};

// A custom answer is served from Hookyard's own origin with a body the bin's owner
// chose; it must never run there as a page (scripts, forms, same-origin reads).
const customAnswerGuards: Record<string, string> = {
  ...baseSecurityHeaders,
  "Content-Security-Policy": "sandbox; default-src 'none'; frame-ancestors 'none'",
};

const bodylessStatuses = new Set([204, 205, 304]);

/**
 * Answers a capture that is already committed: the bin's matching rule, else its
 * default, else the built-in `200 {"ok":true,"id":…}`. A delay is a timer, holding
 * no thread and no database; a client that leaves during it is simply not answered.
 * A custom answer that cannot be produced is logged and answered 500, still with the
 * capture's `X-Request-Id`: the capture is stored whatever its answer.
 */
export function answerCapture(res: ServerResponse, request: RequestFacts, settings: ResponseSettings): void {
  let spec: ResponseSpec | null;
  let body: string;
  try {
    spec = chooseResponse(settings, request);
    if (!spec) {
      sendJson(res, 200, { ok: true, id: request.id }, { ...captureCorsHeaders, "X-Request-Id": request.id });
      return;
    }
    // Rendered now so the request body need not be held through the delay.
    body = renderBody(spec.body, request);
  } catch (error) {
    answerUnrenderable(res, request.id, error);
    return;
  }
  const chosen = spec;
  if (chosen.delayMs === 0) {
    sendCustom(res, chosen, body, request.id);
    return;
  }
  const timer = setTimeout(() => sendCustom(res, chosen, body, request.id), chosen.delayMs);
  res.once("close", () => clearTimeout(timer));
}

function sendCustom(res: ServerResponse, spec: ResponseSpec, body: string, requestId: string): void {
  if (res.headersSent || res.destroyed) return;
  const hasBody = !bodylessStatuses.has(spec.status) && res.req.method !== "HEAD";
  const payload = Buffer.from(body, "utf8");
  try {
    const chosen = new Map<string, { name: string; values: string[] }>();
    for (const [name, value] of spec.headers) {
      const key = name.toLowerCase();
      const entry = chosen.get(key) ?? { name, values: [] };
      entry.values.push(value);
      chosen.set(key, entry);
    }
    for (const { name, values } of chosen.values()) res.setHeader(name, values.length === 1 ? values[0]! : values);
    const defaults: Record<string, string> = { ...captureCorsHeaders, "Cache-Control": "no-store" };
    if (body !== "") defaults["Content-Type"] = "text/plain; charset=utf-8";
    for (const [name, value] of Object.entries(defaults)) if (!chosen.has(name.toLowerCase())) res.setHeader(name, value);
    for (const [name, value] of Object.entries(customAnswerGuards)) res.setHeader(name, value);
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

function answerUnrenderable(res: ServerResponse, requestId: string, error: unknown): void {
  console.error(`[capture] the custom response for capture ${requestId} could not be produced`, error);
  sendJson(
    res,
    500,
    { error: "internal_error", message: "The request was captured, but the bin's custom response could not be produced (see the server log).", id: requestId },
    { ...captureCorsHeaders, "X-Request-Id": requestId },
  );
}
