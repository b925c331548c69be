import { jsFetch } from "@scalar/snippetz/plugins/js/fetch";
import { pythonRequests } from "@scalar/snippetz/plugins/python/requests";
import { shellHttpie } from "@scalar/snippetz/plugins/shell/httpie";
import { bytesToBase64 } from "./body.ts";
import { computedByClient, printfFormat, shellQuote } from "./curl.ts";
import { harBodyBytes, type HarRequest } from "./har.ts";

/**
 * A captured request as code that sends it again, from its HAR request (lib/har.ts).
 *
 * @scalar/snippetz lays the code out (imports, call shape, method and headers), but its
 * plugins re-serialise bodies (JSON.stringify of the parsed JSON, `True` for `true` in
 * Python) and put the URL between quotes without escaping it: a captured URL holding a
 * quote would end the string and run the rest as code. So it is given a random token for
 * the URL and one for the body, and each token, quotes included, is replaced here with a
 * literal written for its language: the body's exact bytes, whatever they hold.
 */
export type SnippetTarget = "fetch" | "httpie" | "python-requests";

export const snippetTargets: { target: SnippetTarget; label: string }[] = [
  { target: "fetch", label: "fetch (JavaScript)" },
  { target: "httpie", label: "HTTPie" },
  { target: "python-requests", label: "Python requests" },
];

type Header = { name: string; value: string };

export function toSnippet(target: SnippetTarget, request: HarRequest): string {
  const body = harBodyBytes(request.postData);
  // Null for a binary body (or none).
  const text = request.postData?.encoding === "base64" ? null : (request.postData?.text ?? null);
  const headers = request.headers.filter(({ name }) => !computedByClient.has(name.toLowerCase()));
  if (target === "httpie") return httpie(request, headers, body, text);
  if (target === "fetch") return fetchSnippet(request, headers, body, text);
  return pythonRequestsSnippet(request, headers, body, text);
}

function token(): string {
  const random = globalThis.crypto.getRandomValues(new Uint8Array(12));
  return `hookyard${Array.from(random, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

/** What snippetz is given: the method, the URL and body as tokens, and these headers. */
function template(request: HarRequest, headers: Header[], withBody: boolean) {
  const tokens = { url: token(), body: token() };
  const input = {
    method: request.method,
    url: tokens.url,
    headers,
    // No mimeType: the Content-Type header is among the headers already, and a JSON or
    // form type would make the plugins parse the (token) body rather than keep it.
    ...(withBody ? { postData: { mimeType: "", text: tokens.body } } : {}),
  };
  return { tokens, input };
}

/** Replaces the one occurrence of `quoted` in `code`; snippetz writing it otherwise is a bug to see, not to paper over. */
function replaceOnce(code: string, quoted: string, literal: string): string {
  const at = code.indexOf(quoted);
  if (at === -1 || code.indexOf(quoted, at + 1) !== -1) throw new Error(`The snippet generator did not write ${quoted} exactly once`);
  // A function, so `$&` and the like in the literal stay as they are.
  return code.replace(quoted, () => literal);
}

/**
 * fetch and Python's requests send a header name once: repeated headers are joined
 * into one, with ", " as HTTP allows (RFC 9110 §5.3), "; " for Cookie (RFC 6265 §5.4).
 */
function joinRepeated(headers: Header[]): Header[] {
  const joined = new Map<string, Header>();
  for (const { name, value } of headers) {
    const key = name.toLowerCase();
    const first = joined.get(key);
    if (!first) joined.set(key, { name, value });
    else first.value = `${first.value}${key === "cookie" ? "; " : ", "}${value}`;
  }
  return [...joined.values()];
}

function hasContentType(headers: Header[]): boolean {
  return headers.some(({ name }) => name.toLowerCase() === "content-type");
}

function fetchSnippet(request: HarRequest, headers: Header[], body: Uint8Array, text: string | null): string {
  // fetch refuses a body on GET and HEAD: the snippet says what it leaves out.
  const bodyless = request.method === "GET" || request.method === "HEAD";
  const withBody = body.length > 0 && !bodyless;
  const sent = joinRepeated(headers);
  const { tokens, input } = template(request, sent, withBody);
  let code = replaceOnce(jsFetch.generate(input), `'${tokens.url}'`, jsString(request.url));
  if (withBody) {
    let literal: string;
    if (text === null) literal = `Uint8Array.from(atob(${jsString(bytesToBase64(body))}), (c) => c.charCodeAt(0))`;
    // A string body makes fetch add "Content-Type: text/plain;charset=UTF-8"; bytes do not.
    else literal = hasContentType(sent) ? jsString(text) : `new TextEncoder().encode(${jsString(text)})`;
    code = replaceOnce(code, `'${tokens.body}'`, literal);
  }
  const notes: string[] = [];
  if (body.length > 0 && bodyless) notes.push(`// fetch cannot send a body with ${request.method}: the captured ${body.length}-byte body is left out.`);
  if (sent.length < headers.length) notes.push(`// Repeated headers are joined into one (fetch sends each name once).`);
  return [...notes, code].join("\n");
}

function pythonRequestsSnippet(request: HarRequest, headers: Header[], body: Uint8Array, text: string | null): string {
  const sent = joinRepeated(headers);
  const withBody = body.length > 0;
  const { tokens, input } = template(request, sent, withBody);
  let code = replaceOnce(pythonRequests.generate(input), `"${tokens.url}"`, pyString(request.url));
  // Bytes, not str: a str body is encoded by whatever urllib3 is underneath (Latin-1 in 1.x, failing on the rest).
  if (withBody) code = replaceOnce(code, `"${tokens.body}"`, text === null ? pyBytes(body) : `${pyString(text)}.encode()`);
  const notes = sent.length < headers.length ? ["# Repeated headers are joined into one (requests sends each name once)."] : [];
  return ["import requests", "", ...notes, code].join("\n");
}

function httpie(request: HarRequest, headers: Header[], body: Uint8Array, text: string | null): string {
  const withBody = body.length > 0;
  const { tokens, input } = template(request, headers, withBody);
  // HTTPie repeats a header given twice, so duplicates and their order are kept as captured.
  let code = replaceOnce(shellHttpie.generate(input), `'${tokens.url}'`, shellQuote(new TextEncoder().encode(request.url)));
  // The command's start, taken apart here rather than searched for: a header value may hold the same words.
  const start = "http --ignore-stdin ";
  if (!code.startsWith(start)) throw new Error(`The snippet generator did not start with ${start}`);
  const binary = withBody && text === null;
  // --path-as-is, as curl's: `..` segments and encodings go out as they were captured.
  // A binary body comes in on standard input, so HTTPie must read it.
  code = `http --path-as-is ${binary ? "" : "--ignore-stdin "}${code.slice(start.length)}`;
  if (!withBody) return code;
  // "Content-Type:" (nothing after the colon) stops HTTPie adding its JSON default.
  const unsetType = hasContentType(headers) ? "" : ` \\\n  'Content-Type:'`;
  const rawBody = ` \\\n  --raw='${tokens.body}'`;
  if (text !== null) return replaceOnce(code, rawBody, `${unsetType} \\\n  --raw=${shellText(text, body)}`);
  // Bytes a shell word cannot hold (NUL) are piped in, as lib/curl.ts does.
  return `printf -- ${printfFormat(body)} | ${replaceOnce(code, rawBody, unsetType)}`;
}

/**
 * A shell word for a text body: as written between single quotes when it holds only
 * printable characters and newlines (readable, and a shell keeps every one), else
 * lib/curl.ts's byte-exact quoting.
 */
function shellText(text: string, bytes: Uint8Array): string {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  return /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.test(text) ? shellQuote(bytes) : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A single-quoted JavaScript string literal for any text; controls, line separators and lone surrogates escaped. */
export function jsString(text: string): string {
  // eslint-disable-next-line no-control-regex -- escaping control characters is the point
  const escaped = text.replace(/[\\']|[\u0000-\u001f\u007f\u2028\u2029]|\p{Cs}/gu, (char) =>
    char === "\\" || char === "'" ? `\\${char}` : `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return `'${escaped}'`;
}

/** A double-quoted Python str literal; controls escaped, the rest as written (Python 3 source is UTF-8). */
export function pyString(text: string): string {
  // eslint-disable-next-line no-control-regex -- escaping control characters is the point
  const escaped = text.replace(/[\\"]|[\u0000-\u001f\u007f\u2028\u2029]/g, (char) =>
    char === "\\" || char === '"' ? `\\${char}` : `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return `"${escaped}"`;
}

/** A Python bytes literal holding exactly these bytes. */
export function pyBytes(bytes: Uint8Array): string {
  let literal = 'b"';
  for (const byte of bytes) {
    if (byte === 0x22 || byte === 0x5c) literal += `\\${String.fromCharCode(byte)}`;
    else if (byte >= 0x20 && byte < 0x7f) literal += String.fromCharCode(byte);
    else literal += `\\x${byte.toString(16).padStart(2, "0")}`;
  }
  return `${literal}"`;
}
