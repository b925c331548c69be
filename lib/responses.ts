/**
 * How a bin answers its captures: a default response and ordered rules (first match
 * wins), with a small placeholder syntax in bodies. Pure functions only, so the capture
 * path (lib/server/responses.ts) and the dashboard's live preview run exactly the same
 * code; it lives outside lib/server because client components may not import from
 * there, and holds no zod so the dashboard does not ship it (the schemas are in
 * lib/validations/responses.ts).
 */
import type { CaptureAnswer, HeaderPair } from "./types.ts";

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
/** The most a response body may render to, placeholders filled; over it the capture is answered 500. */
export const maxRenderedBodyBytes = 1024 * 1024;
/** Names and values of one response's headers together. */
export const maxResponseHeaderBytes = 16 * 1024;
/** A bin's default response and rules together, as stored (JSON). */
export const maxResponseSettingsBytes = 256 * 1024;
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
export const framingHeaders: ReadonlySet<string> = new Set([
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "trailer",
  "te",
  "proxy-connection",
  "http2-settings",
]);

/**
 * Where a custom answer is served from. `dashboard`: the dashboard's own origin (no
 * CAPTURE_URL, or a capture sent to the dashboard's host), where a header that acts on
 * the origin or the visitor's browser would let any bin's owner act on Hookyard's
 * dashboard. `capture`: CAPTURE_URL's host, which serves nothing but captures.
 */
export type AnswerOrigin = "dashboard" | "capture";

/**
 * Headers a browser acts on for the whole origin or beyond this one answer: cookies
 * (the dashboard's credentials could be replaced or read back), wiping the origin's
 * storage, pinning HTTPS, auth prompts in the dashboard's name, policies and report
 * endpoints (NEL and Report-To would send the visitor's later dashboard URLs, bin ids
 * included, to the bin owner's server), credentialed or private-network CORS,
 * preloads, service-worker scope, agent clustering, alternative services, login state.
 */
const originActingHeaders: ReadonlySet<string> = new Set([
  "set-cookie",
  "set-cookie2",
  "clear-site-data",
  "refresh",
  "strict-transport-security",
  "www-authenticate",
  "proxy-authenticate",
  "proxy-authentication-info",
  "content-security-policy",
  "content-security-policy-report-only",
  "report-to",
  "reporting-endpoints",
  "nel",
  "access-control-allow-credentials",
  "access-control-allow-private-network",
  "link",
  "service-worker-allowed",
  "origin-agent-cluster",
  "permissions-policy",
  "feature-policy",
  "alt-svc",
  "speculation-rules",
  "set-login",
  "activate-storage-access",
]);

/**
 * A redirect on the dashboard's origin stays among capture URLs: `/b/…`, with no dot
 * segment (plain or percent-encoded) that a browser would resolve out of `/b/`, and no
 * backslash or whitespace (browsers read `\` as `/` and drop tabs). Anything else,
 * another host or a protocol-relative `//host`, would make the dashboard an open
 * redirect, and a 307 to `/api/…` would replay the sender's method and body there.
 */
function isCaptureLocation(value: string): boolean {
  if (!value.startsWith("/b/") || /[\\\s]/.test(value)) return false;
  const path = value.split(/[?#]/)[0]!;
  return !path.split("/").some((segment) => /^(?:\.|%2e){1,2}$/i.test(segment));
}

/**
 * Why a custom response may not send this header from this origin, or null when it
 * may. Used when settings are saved (422) and again for every answer, so a row saved
 * under other rules is filtered too.
 */
export function headerRefusal(name: string, value: string, origin: AnswerOrigin): string | null {
  const key = name.toLowerCase();
  if (framingHeaders.has(key)) return `${name} is set by Hookyard itself and cannot be chosen`;
  if (origin === "capture") {
    // A Domain cookie from the capture host reaches its sibling hosts, the dashboard's among them.
    if ((key === "set-cookie" || key === "set-cookie2") && /;\s*domain\s*=/i.test(value)) {
      return `${name} with a Domain attribute would reach other hosts (the dashboard's too); send a host-only cookie`;
    }
    return null;
  }
  if (originActingHeaders.has(key)) {
    return `${name} would act on the dashboard's origin in the visitor's browser; it can be sent only from a separate capture origin (CAPTURE_URL)`;
  }
  if (key === "location" && !isCaptureLocation(value)) {
    return `${name} must be a path under /b/ on the dashboard's origin (another host, or a path out of /b/, only from a separate capture origin, CAPTURE_URL)`;
  }
  return null;
}

/** How the dashboard names what a capture was answered: "201 · rule 2", "200 · built-in". */
export function answerLabel(answer: CaptureAnswer): string {
  const by =
    answer.by === "rule"
      ? `rule ${answer.rule ?? "?"}`
      : answer.by === "default"
        ? "default response"
        : answer.by === "preflight"
          ? "CORS preflight"
          : "built-in";
  return `${answer.status} · ${by}`;
}

/** The answer for this capture: the first matching rule's, else the bin's default; null means the built-in answer. */
export function chooseResponse(settings: ResponseSettings, request: RequestFacts): ResponseSpec | null {
  return chooseAnswer(settings, request).spec;
}

/**
 * The custom answer for this capture and what chose it: `rule` is the matching rule's
 * 1-based place in `settings.rules`, the form the dashboard shows ("rule 2").
 */
export type ChosenAnswer =
  { by: "built-in"; spec: null; rule: null } | { by: "default"; spec: ResponseSpec; rule: null } | { by: "rule"; spec: ResponseSpec; rule: number };

/** Like chooseResponse, saying which rule (if any) chose the answer. */
export function chooseAnswer(settings: ResponseSettings, request: RequestFacts): ChosenAnswer {
  if (settings.rules.length > 0) {
    const index = matchingRuleIndex(settings.rules, request);
    if (index !== -1) return { by: "rule", spec: settings.rules[index]!.response, rule: index + 1 };
  }
  return settings.response ? { by: "default", spec: settings.response, rule: null } : { by: "built-in", spec: null, rule: null };
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
 * `/`; everything else is literal. Runs the pattern as a bit-parallel automaton (one
 * bit per position in the pattern, advanced one path character at a time), never a
 * backtracking regex: the cost is path length × ⌈pattern tokens / 32⌉ word operations,
 * linear in the path for a pattern of at most 512 characters (a 16 KiB path against
 * the worst pattern takes about a millisecond), and it stops as soon as no position is
 * alive.
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
  // Bit p of a set: the first p tokens have consumed the text read so far.
  const words = (tokens.length + 32) >>> 5;
  const mask = () => new Uint32Array(words);
  const literal = new Map<string, Uint32Array>();
  const one = mask();
  const star = mask();
  const globstar = mask();
  const anyStar = mask();
  tokens.forEach((token, p) => {
    const word = p >>> 5;
    const bit = 1 << (p & 31);
    if (token.kind === "literal") {
      let set = literal.get(token.char);
      if (!set) literal.set(token.char, (set = mask()));
      set[word]! |= bit;
    } else if (token.kind === "one") one[word]! |= bit;
    else {
      (token.kind === "star" ? star : globstar)[word]! |= bit;
      anyStar[word]! |= bit;
    }
  });
  // A star may match nothing: reaching it also reaches the token after it. Two stars are
  // never adjacent (a run of `*` is one globstar), so one step closes the set.
  const skipStars = (set: Uint32Array) => {
    let carry = 0;
    for (let w = 0; w < words; w++) {
      const stars = set[w]! & anyStar[w]!;
      set[w] = set[w]! | (stars << 1) | carry;
      carry = stars >>> 31;
    }
  };
  // What each character lets a position do: advance past it (a literal equal to it, or
  // `?` unless it is a slash) or stay (inside a star), built once per distinct character.
  const stayOnSlash = globstar;
  const stayOnOther = mask();
  for (let w = 0; w < words; w++) stayOnOther[w] = globstar[w]! | star[w]!;
  const advanceBy = new Map<string, Uint32Array>();
  const advanceOn = (char: string): Uint32Array => {
    let set = advanceBy.get(char);
    if (!set) {
      set = mask();
      const lit = literal.get(char);
      for (let w = 0; w < words; w++) set[w] = (lit ? lit[w]! : 0) | (char === "/" ? 0 : one[w]!);
      advanceBy.set(char, set);
    }
    return set;
  };
  let state = mask();
  let next = mask();
  state[0] = 1;
  skipStars(state);
  for (let j = 0; j < text.length; j++) {
    const char = text[j]!;
    const advanceMask = advanceOn(char);
    const stayMask = char === "/" ? stayOnSlash : stayOnOther;
    let carry = 0;
    let starCarry = 0;
    let alive = 0;
    for (let w = 0; w < words; w++) {
      const current = state[w]!;
      const advance = advanceMask[w]! & current;
      let value = (advance << 1) | carry | (stayMask[w]! & current);
      carry = advance >>> 31;
      // The same closure as skipStars, in the same pass.
      const stars = value & anyStar[w]!;
      value |= (stars << 1) | starCarry;
      starCarry = stars >>> 31;
      next[w] = value;
      alive |= value;
    }
    if (alive === 0) return false;
    [state, next] = [next, state];
  }
  const end = tokens.length;
  return ((state[end >>> 5]! >>> (end & 31)) & 1) === 1;
}

/** Thrown when a custom response's body would render to more than its cap. */
export class RenderLimitError extends Error {
  override name = "RenderLimitError";
  constructor(readonly limitBytes: number) {
    super(`The bin's custom response renders to more than ${formatBytes(limitBytes)} (the rendered-body cap), so it was not sent.`);
  }
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}

/** UTF-8 length of a string without encoding it (this module also runs in the browser). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3; // other BMP characters, and lone surrogates (sent as U+FFFD)
  }
  return bytes;
}

const placeholderPattern = /\{\{\s*([^{}\s]+)\s*\}\}/g;

/**
 * Fills `{{request.…}}` placeholders in a response body. Plain substitution, never
 * evaluated. Known placeholders whose value is missing (an absent header, query
 * parameter or JSON field) become empty; unknown ones stay as written, so a typo shows.
 *
 * The output is bounded: a 64 KiB template of `{{request.body}}` over a 10 MiB body
 * would otherwise be gigabytes. Rendering stops as soon as the output would pass
 * `limitBytes` (UTF-8), so the work is bounded by the template, the cap and one read
 * of the body, whatever the template repeats.
 * @throws RenderLimitError when the output would be larger than `limitBytes`
 */
export function renderBody(template: string, request: RequestFacts, limitBytes: number = maxRenderedBodyBytes): string {
  if (!template.includes("{{")) return template;
  const view = new RequestView(request);
  const parts: string[] = [];
  let bytes = 0;
  const append = (piece: string) => {
    if (piece === "") return;
    // UTF-8 never takes fewer bytes than UTF-16 code units: a cheap early refusal.
    if (bytes + piece.length > limitBytes) throw new RenderLimitError(limitBytes);
    bytes += view.lengthOf(piece);
    if (bytes > limitBytes) throw new RenderLimitError(limitBytes);
    parts.push(piece);
  };
  let last = 0;
  for (const match of template.matchAll(placeholderPattern)) {
    append(template.slice(last, match.index));
    append(view.placeholder(match[1]!) ?? match[0]);
    last = match.index + match[0].length;
  }
  append(template.slice(last));
  return parts.join("");
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
  private textBytes: number | undefined;
  private parsed: Found | undefined;
  private headersByName: Map<string, string[]> | undefined;
  private queryByName: Map<string, string> | undefined;

  constructor(readonly request: RequestFacts) {}

  bodyText(): string {
    const { body } = this.request;
    this.text ??= typeof body === "string" ? body : new TextDecoder().decode(body instanceof Uint8Array ? body : body.bytes());
    return this.text;
  }

  /** UTF-8 length of `piece`; the body's is measured once however often it is inserted. */
  lengthOf(piece: string): number {
    if (piece === this.text) return (this.textBytes ??= utf8Length(piece));
    return utf8Length(piece);
  }

  // Built once per capture: a template may ask for thousands of headers or parameters,
  // and a request may carry thousands of them.
  headerValues(name: string): string[] {
    if (!this.headersByName) {
      this.headersByName = new Map();
      for (const [headerName, value] of this.request.headers) {
        const key = headerName.toLowerCase();
        const values = this.headersByName.get(key);
        if (values) values.push(value);
        else this.headersByName.set(key, [value]);
      }
    }
    return this.headersByName.get(name.toLowerCase()) ?? [];
  }

  queryValue(name: string): string {
    if (!this.queryByName) {
      this.queryByName = new Map();
      for (const [key, value] of new URLSearchParams(this.request.query)) if (!this.queryByName.has(key)) this.queryByName.set(key, value);
    }
    return this.queryByName.get(name) ?? "";
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
      return this.queryValue(key.slice("request.query.".length));
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
