import formatXml from "xml-formatter";
import { formatBytes } from "./body";

/**
 * XML bodies pretty-printed for reading. The formatter's parser is linear in nothing:
 * measured on this project's 2-core machine it takes ~110 ms for 115 KB and ~1.7 s for
 * 460 KB (it re-scans the rest of the document per node), on the page's main thread.
 * Larger documents are shown as their text with that said (decision 017).
 */
export const xmlPrettyMaxBytes = 128 * 1024;

export type PrettyXml = { ok: true; text: string } | { ok: false; reason: string };

function mediaType(contentType: string | null): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

/**
 * Whether a text body is XML: declared as `application/xml`, `text/xml` or any `+xml`
 * type (SOAP, Atom, SVG: only ever as text), or undeclared-ish and shaped like a
 * document (`<?xml …` or a leading element, ending in `>`). HTML is not XML.
 */
export function isXmlBody(text: string, contentType: string | null): boolean {
  const type = mediaType(contentType);
  if (type === "application/xml" || type === "text/xml" || type.endsWith("+xml")) return true;
  if (type !== "" && type !== "text/plain" && type !== "application/octet-stream") return false;
  const trimmed = text.trim();
  if (!trimmed.endsWith(">")) return false;
  if (/^<!doctype\s+html|^<html[\s>]/i.test(trimmed)) return false;
  return /^<\?xml[\s?]/.test(trimmed) || /^<[A-Za-z_][\w:.-]*[\s/>]/.test(trimmed);
}

/**
 * The document re-indented by two spaces, or why it cannot be: too large (see
 * `xmlPrettyMaxBytes`) or not well-formed, with the parser's own words. Strict mode:
 * a mismatched closing tag is an error, not silently repaired.
 */
export function prettyXml(text: string, byteLength: number): PrettyXml {
  if (byteLength > xmlPrettyMaxBytes) {
    return { ok: false, reason: `it is ${formatBytes(byteLength)}, more than the ${formatBytes(xmlPrettyMaxBytes)} pretty-printed in the browser` };
  }
  try {
    return { ok: true, text: formatXml(text, { indentation: "  ", lineSeparator: "\n", collapseContent: true, strictMode: true }) };
  } catch (error) {
    // xml-parser-xo says "Failed to parse XML" and puts the reason in `cause`.
    const cause = error instanceof Error && typeof error.cause === "string" ? error.cause : null;
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `it is not well-formed XML (${cause ?? message})` };
  }
}
