import type { HeaderPair } from "./types.ts";

/**
 * Headers (lower-case) an HTTP client computes itself from what it sends: copying them
 * into a command or snippet would conflict with its own. Shared by lib/snippets.ts.
 */
export const computedByClient: ReadonlySet<string> = new Set(["host", "content-length", "transfer-encoding", "connection", "expect"]);

/** Single-quotes for POSIX shells; bytes outside printable ASCII use bash's $'…' form. */
export function shellQuote(bytes: Uint8Array): string {
  const printable = bytes.every((byte) => byte >= 0x20 && byte < 0x7f);
  if (printable) {
    const text = new TextDecoder().decode(bytes);
    return `'${text.replaceAll("'", `'\\''`)}'`;
  }
  let quoted = "$'";
  for (const byte of bytes) {
    if (byte === 0x27) quoted += "\\'";
    else if (byte === 0x5c) quoted += "\\\\";
    else if (byte >= 0x20 && byte < 0x7f) quoted += String.fromCharCode(byte);
    else quoted += `\\x${byte.toString(16).padStart(2, "0")}`;
  }
  return `${quoted}'`;
}

/**
 * A `printf` format that writes exactly these bytes, NUL included (a shell word cannot
 * hold NUL, so binary bodies are piped into curl instead of passed as an argument).
 */
export function printfFormat(bytes: Uint8Array): string {
  let format = "'";
  for (const byte of bytes) {
    if (byte === 0x25) format += "%%";
    else if (byte >= 0x20 && byte < 0x7f && byte !== 0x27 && byte !== 0x5c) format += String.fromCharCode(byte);
    else format += `\\x${byte.toString(16).padStart(2, "0")}`;
  }
  return `${format}'`;
}

const encoder = new TextEncoder();
const quoteText = (text: string) => shellQuote(encoder.encode(text));

/**
 * A curl command that sends the captured request again: same method, URL, headers
 * in order (duplicates kept) and body bytes. `--path-as-is` keeps `..` segments and
 * encodings exactly as they were captured.
 */
export function toCurl(request: { method: string; url: string; headers: HeaderPair[]; body: Uint8Array }): string {
  // `-X HEAD` would make curl wait for a body that never comes.
  const method = request.method === "HEAD" ? ["--head"] : ["-X", quoteText(request.method)];
  const parts = ["curl", "--path-as-is", ...method, quoteText(request.url)];
  for (const [name, value] of request.headers) {
    if (computedByClient.has(name.toLowerCase())) continue;
    // "Name;" is curl's way to send a header with an empty value.
    parts.push("-H", quoteText(value === "" ? `${name};` : `${name}: ${value}`));
  }
  const sent = new Set(request.headers.map(([name]) => name.toLowerCase()));
  // Headers curl would add on its own; an empty "Name:" tells it not to.
  const hasBody = request.body.length > 0;
  for (const name of ["User-Agent", "Accept", ...(hasBody ? ["Content-Type"] : [])]) {
    if (!sent.has(name.toLowerCase())) parts.push("-H", quoteText(`${name}:`));
  }
  if (!hasBody) return parts.join(" ");
  // curl's own 100-continue handshake for large bodies was not part of the original.
  parts.push("-H", quoteText("Expect:"));
  if (!request.body.includes(0)) return [...parts, "--data-binary", shellQuote(request.body)].join(" ");
  // `--`: a multipart body starts with "--", which printf would take for an option.
  return `printf -- ${printfFormat(request.body)} | ${[...parts, "--data-binary", "@-"].join(" ")}`;
}

/** The ready-to-paste example shown for a new bin. */
export function sampleCurl(url: string): string {
  return `curl -X POST ${quoteText(`${url}/hello?source=curl`)} -H 'Content-Type: application/json' -d '{"event":"ping","ok":true}'`;
}
