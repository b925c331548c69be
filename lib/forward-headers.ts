import type { HeaderPair } from "./types.ts";

/**
 * Which headers a forwarded request carries, and the "Edit and send" form's header text.
 * Client-safe and pure: the server sends with these (lib/server/forward-message.ts) and
 * the dashboard shows the same list for editing. The server checks names and values
 * again (lib/validations/bins.ts).
 */

/**
 * Headers that describe one connection, not the message (RFC 9110 §7.6.1, plus the
 * framing we recompute and `Expect`, which would make us wait for a 100 Continue):
 * never forwarded.
 */
const hopByHop = new Set([
  "host",
  "connection",
  "content-length",
  "transfer-encoding",
  "keep-alive",
  "te",
  "trailer",
  "trailers",
  "upgrade",
  "expect",
  "http2-settings",
  "proxy-connection",
]);

/** The captured headers minus hop-by-hop ones (and any the Connection header names), in order, duplicates kept. */
export function endToEndHeaders(headers: HeaderPair[]): HeaderPair[] {
  const named = new Set(
    headers
      .filter(([name]) => name.toLowerCase() === "connection")
      .flatMap(([, value]) => value.split(","))
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean),
  );
  return headers.filter(([name]) => {
    const lower = name.toLowerCase();
    return !hopByHop.has(lower) && !lower.startsWith("proxy-") && !named.has(lower);
  });
}

/** Headers as editable text: one `Name: value` a line, in order, duplicates kept. */
export function formatHeaderLines(headers: HeaderPair[]): string {
  return headers.map(([name, value]) => `${name}: ${value}`).join("\n");
}

/** An HTTP token (RFC 9110 §5.6.2): what a header name or a method may be. */
export const httpTokenPattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Reads `Name: value` lines back into pairs; blank lines are skipped, the rest must parse. */
export function parseHeaderLines(text: string): { headers: HeaderPair[] } | { problem: string } {
  const headers: HeaderPair[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === "") continue;
    const colon = line.indexOf(":");
    const name = colon === -1 ? "" : line.slice(0, colon).trim();
    if (!httpTokenPattern.test(name)) return { problem: `Header line ${index + 1} is not “Name: value”: ${line.slice(0, 80)}` };
    // Surrounding spaces are optional whitespace in HTTP, never part of the value.
    headers.push([name, line.slice(colon + 1).trim()]);
  }
  return { headers };
}
