import type { HeaderPair } from "./types.ts";

// The hop-by-hop rule is shared with the relay CLI, which runs without a build.
export { endToEndHeaders } from "./forward-message.mjs";

/**
 * Which headers a forwarded request carries, and the "Edit and send" form's header text.
 * Client-safe and pure: the server sends with these (lib/forward-message.mjs) and
 * the dashboard shows the same list for editing. The server checks names and values
 * again (lib/validations/bins.ts).
 */

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
