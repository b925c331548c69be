import type { HeaderPair } from "./types.ts";

/**
 * The "Edit and send" form's text fields and their reading. Client-safe and pure; the
 * server checks names and values again (lib/validations/bins.ts).
 */
export type ForwardEdits = { method: string; headers: string; body: string };

/** Headers as editable text: one `Name: value` a line, in order, duplicates kept. */
export function formatHeaderLines(headers: HeaderPair[]): string {
  return headers.map(([name, value]) => `${name}: ${value}`).join("\n");
}

const tokenPattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Reads `Name: value` lines back into pairs; blank lines are skipped, the rest must parse. */
export function parseHeaderLines(text: string): { headers: HeaderPair[] } | { problem: string } {
  const headers: HeaderPair[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === "") continue;
    const colon = line.indexOf(":");
    const name = colon === -1 ? "" : line.slice(0, colon).trim();
    if (!tokenPattern.test(name)) return { problem: `Header line ${index + 1} is not “Name: value”: ${line.slice(0, 80)}` };
    // Surrounding spaces are optional whitespace in HTTP, never part of the value.
    headers.push([name, line.slice(colon + 1).trim()]);
  }
  return { headers };
}
