/**
 * How a bin answers its captures: a default response and ordered rules (first match
 * wins), with a small placeholder syntax in bodies. Pure functions only, so the capture
 * path (lib/server/responses.ts) and the dashboard's live preview run exactly the same
 * code; it lives outside lib/server because client components may not import from
 * there, and holds no zod so the dashboard does not ship it (the schemas are in
 * lib/validations/responses.ts).
 */
import type { HeaderPair } from "./types.ts";

export type ResponseSpec = { status: number; headers: HeaderPair[]; body: string; delayMs: number };

export type PathMatch = { mode: "exact" | "prefix" | "glob"; value: string };

/** `value: null` means the header only has to be present. */
export type HeaderMatch = { name: string; value: string | null };

export type JsonScalar = string | number | boolean | null;

/** A dotted path into the JSON body (`data.object.id`, `items.0.sku`) that must equal `equals`. */
export type JsonMatch = { path: string; equals: JsonScalar };

export type ResponseRule = {
  /** An HTTP method in capitals, or "ANY". */
  method: string;
  path: PathMatch | null;
  header: HeaderMatch | null;
  json: JsonMatch | null;
  response: ResponseSpec;
};

export type ResponseSettings = {
  /** null: the built-in `200 {"ok":true,"id":…}`. */
  response: ResponseSpec | null;
  rules: ResponseRule[];
};

/** Bytes joined on first use: `bytes()` is called at most once per view. */
export type LazyBytes = { readonly byteLength: number; bytes(): Uint8Array };

/** What rules and placeholders can see of a capture. */
export type RequestFacts = {
  id: string;
  method: string;
  /** Sub-path after /b/{bin}, as sent; empty for the bare bin URL (matched as "/"). */
  path: string;
  /** Raw query string without "?". */
  query: string;
  headers: readonly HeaderPair[];
  /** The body; a large capture's comes lazily, joined only if a rule or placeholder reads it. */
  body: string | Uint8Array | LazyBytes;
  ip: string;
  /** Milliseconds since the epoch. */
  receivedAt: number;
};

/** How the dashboard names the answer a bin gives without a custom response. */
export const builtInAnswer = 'Built-in: 200 {"ok":true,"id":"<capture id>"}';

export const noResponseSettings: ResponseSettings = { response: null, rules: [] };

export const maxDelayMs = 30_000;
export const maxResponseBodyBytes = 64 * 1024;
export const maxRules = 50;
export const maxResponseHeaders = 50;
/** Larger bodies are not parsed for JSON rules or placeholders: their fields count as absent. */
export const maxJsonBodyBytes = 1024 * 1024;

// The same grammar Node's http.validateHeaderName / validateHeaderValue enforce
// (RFC 9110 token; visible ASCII, obs-text, space and tab); lib/validations/responses.test.ts
// checks the two agree. Written out because this module also runs in the browser.
export const headerNamePattern = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
export const invalidHeaderValueChar = /[^\t\x20-\x7e\x80-\xff]/;

/** Hookyard frames the answer itself; letting a rule set these would corrupt the connection. */
export const framingHeaders: ReadonlySet<string> = new Set(["content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "trailer", "te"]);

/** The answer for this capture: the first matching rule's, else the bin's default; null means the built-in answer. */
export function chooseResponse(settings: ResponseSettings, request: RequestFacts): ResponseSpec | null {
  if (settings.rules.length === 0) return settings.response;
  const view = new RequestView(request);
  for (const rule of settings.rules) {
    if (ruleMatches(rule, view)) return rule.response;
  }
  return settings.response;
}

/** The index of the first rule that matches, or -1 (for the dashboard's preview). */
export function matchingRuleIndex(rules: readonly ResponseRule[], request: RequestFacts): number {
  const view = new RequestView(request);
  return rules.findIndex((rule) => ruleMatches(rule, view));
}

function ruleMatches(rule: ResponseRule, view: RequestView): boolean {
  if (rule.method !== "ANY" && rule.method !== view.request.method) return false;
  if (rule.path && !pathMatches(rule.path, view.request.path)) return false;
  if (rule.header) {
    const values = view.headerValues(rule.header.name);
    if (values.length === 0) return false;
    if (rule.header.value !== null && !values.includes(rule.header.value)) return false;
  }
  if (rule.json) {
    const found = view.jsonField(rule.json.path);
    if (!found.present || found.value !== rule.json.equals) return false;
  }
  return true;
}

/**
 * Sub-paths are compared as sent (percent-encoding kept, query excluded); the bare bin
 * URL counts as "/". `prefix` is by whole segments: `/api` matches `/api` and `/api/x`,
 * not `/apix`. Patterns without a leading slash get one.
 */
export function pathMatches(match: PathMatch, rawPath: string): boolean {
  const path = rawPath === "" ? "/" : rawPath;
  const pattern = match.value.startsWith("/") ? match.value : `/${match.value}`;
  switch (match.mode) {
    case "exact":
      return path === pattern;
    case "prefix": {
      if (pattern === "/") return true;
      const base = pattern.endsWith("/") ? pattern.slice(0, -1) : pattern;
      return path === base || path.startsWith(`${base}/`);
    }
    case "glob":
      return globMatches(pattern, path);
  }
}

type GlobToken = { kind: "literal"; char: string } | { kind: "one" } | { kind: "star" } | { kind: "globstar" };

/**
 * `*` matches within one segment, `**` across segments, `?` one character other than
 * `/`; everything else is literal. Dynamic programming over (pattern, text) rather
 * than a backtracking regex, so a hostile path costs at most pattern × path steps.
 */
export function globMatches(pattern: string, text: string): boolean {
  const tokens: GlobToken[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === "*" && pattern[i + 1] === "*") {
      tokens.push({ kind: "globstar" });
      while (pattern[i + 1] === "*") i++;
    } else if (char === "*") tokens.push({ kind: "star" });
    else if (char === "?") tokens.push({ kind: "one" });
    else tokens.push({ kind: "literal", char });
  }
  // reachable[j]: the tokens so far can consume exactly text[0, j).
  let reachable = new Uint8Array(text.length + 1);
  reachable[0] = 1;
  for (const token of tokens) {
    const next = new Uint8Array(text.length + 1);
    for (let j = 0; j <= text.length; j++) {
      if (token.kind === "star" || token.kind === "globstar") {
        // Zero characters, or one more than a position already reached.
        if (reachable[j] || (j > 0 && next[j - 1] && (token.kind === "globstar" || text[j - 1] !== "/"))) next[j] = 1;
      } else if (j > 0 && reachable[j - 1]) {
        const char = text[j - 1]!;
        if (token.kind === "one" ? char !== "/" : char === token.char) next[j] = 1;
      }
    }
    reachable = next;
  }
  return reachable[text.length] === 1;
}

/**
 * Fills `{{request.…}}` placeholders in a response body. Plain substitution, never
 * evaluated. Known placeholders whose value is missing (an absent header, query
 * parameter or JSON field) become empty; unknown ones stay as written, so a typo shows.
 */
export function renderBody(template: string, request: RequestFacts): string {
  if (!template.includes("{{")) return template;
  const view = new RequestView(request);
  return template.replace(/\{\{\s*([^{}\s]+)\s*\}\}/g, (whole, key: string) => view.placeholder(key) ?? whole);
}

export const placeholderHelp: readonly [placeholder: string, meaning: string][] = [
  ["{{request.id}}", "the capture id"],
  ["{{request.method}}", "the method"],
  ["{{request.path}}", "the sub-path after the bin, as sent"],
  ["{{request.query}}", "the raw query string"],
  ["{{request.query.NAME}}", "the first value of query parameter NAME"],
  ["{{request.header.NAME}}", "the first value of header NAME (any case)"],
  ["{{request.json.a.b}}", "a field of the JSON body (objects as JSON)"],
  ["{{request.body}}", "the body as text"],
  ["{{request.ip}}", "the client address"],
  ["{{request.receivedAt}}", "arrival time, ms since the epoch"],
];

type Found = { present: true; value: unknown } | { present: false };

/** One capture seen by rules and placeholders; decodes and parses the body at most once. */
class RequestView {
  private text: string | undefined;
  private parsed: Found | undefined;

  constructor(readonly request: RequestFacts) {}

  bodyText(): string {
    const { body } = this.request;
    this.text ??= typeof body === "string" ? body : new TextDecoder().decode(body instanceof Uint8Array ? body : body.bytes());
    return this.text;
  }

  headerValues(name: string): string[] {
    const wanted = name.toLowerCase();
    return this.request.headers.filter(([headerName]) => headerName.toLowerCase() === wanted).map(([, value]) => value);
  }

  jsonField(path: string): Found {
    this.parsed ??= this.parseBody();
    if (!this.parsed.present) return this.parsed;
    let current: unknown = this.parsed.value;
    for (const segment of path.split(".")) {
      if (typeof current !== "object" || current === null || !Object.hasOwn(current, segment)) return { present: false };
      current = (current as Record<string, unknown>)[segment];
    }
    return { present: true, value: current };
  }

  private parseBody(): Found {
    const { body } = this.request;
    const size = typeof body === "string" ? body.length : body.byteLength;
    if (size === 0 || size > maxJsonBodyBytes) return { present: false };
    try {
      return { present: true, value: JSON.parse(this.bodyText()) as unknown };
    } catch {
      // Not JSON: JSON rules do not match and JSON placeholders are empty.
      return { present: false };
    }
  }

  placeholder(key: string): string | null {
    const { request } = this;
    switch (key) {
      case "request.id":
        return request.id;
      case "request.method":
        return request.method;
      case "request.path":
        return request.path;
      case "request.query":
        return request.query;
      case "request.body":
        return this.bodyText();
      case "request.ip":
        return request.ip;
      case "request.receivedAt":
        return String(request.receivedAt);
    }
    if (key.startsWith("request.query.")) {
      return new URLSearchParams(request.query).get(key.slice("request.query.".length)) ?? "";
    }
    if (key.startsWith("request.header.")) {
      return this.headerValues(key.slice("request.header.".length))[0] ?? "";
    }
    if (key.startsWith("request.json.")) {
      const found = this.jsonField(key.slice("request.json.".length));
      if (!found.present || found.value === null) return "";
      return typeof found.value === "string" ? found.value : JSON.stringify(found.value);
    }
    return null;
  }
}
