/**
 * How a captured body is shown. Pure functions on bytes, shared by the dashboard
 * and tests; nothing here ever interprets a body as HTML or code.
 */
export type BodyView =
  | { kind: "empty" }
  /** `treeRefusal`: why the value is not offered as a tree (shown as its text instead), or null. */
  | { kind: "json"; value: unknown; text: string; treeRefusal: string | null }
  | { kind: "form"; fields: [string, string][]; text: string }
  | { kind: "text"; text: string }
  | { kind: "binary" };

export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  // In slices: String.fromCharCode with one argument per byte overflows the stack on large bodies.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** UTF-8 text, or null when the bytes are not valid UTF-8 or hold control bytes text never has. */
export function decodeText(bytes: Uint8Array): string | null {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  // NUL and most C0 controls mean binary in practice, even when the bytes decode.
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  return /[\u0000-\u0008\u000E-\u001F]/.test(text) ? null : text;
}

function mediaType(contentType: string | null): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

function isJsonType(type: string): boolean {
  return type === "application/json" || type.endsWith("+json");
}

export function viewBody(bytes: Uint8Array, contentType: string | null): BodyView {
  if (bytes.length === 0) return { kind: "empty" };
  const text = decodeText(bytes);
  if (text === null) return { kind: "binary" };
  const type = mediaType(contentType);
  const looksJson = isJsonType(type) || /^\s*[[{]/.test(text);
  if (looksJson) {
    try {
      const value: unknown = JSON.parse(text);
      return { kind: "json", value, text, treeRefusal: jsonTreeRefusal(text) };
    } catch {
      // Declared or shaped like JSON but not valid: show it as the text it is.
    }
  }
  if (type === "application/x-www-form-urlencoded") {
    return { kind: "form", fields: [...new URLSearchParams(text)], text };
  }
  return { kind: "text", text };
}

/**
 * The file extension a downloaded body gets: a name that says what it holds for the
 * passive formats only. Anything a browser or desktop would run or render when the
 * file is opened (HTML, SVG, XML, scripts) stays `.bin`: a capture is a stranger's bytes.
 */
export function downloadExtension(contentType: string | null): string {
  const type = mediaType(contentType);
  if (isJsonType(type)) return "json";
  if (type === "text/plain" || type === "application/x-www-form-urlencoded") return "txt";
  if (type === "text/csv") return "csv";
  return "bin";
}

/**
 * Why a parsed JSON body should be shown as its text rather than as a tree: a number
 * the tree would show changed (JSON.parse turns 12345678901234567890 into
 * 12345678901234567000). Null when the tree is faithful. Size and depth are no reason:
 * the tree renders only the rows in view (lib/json-tree.ts, decision 017).
 */
export function jsonTreeRefusal(text: string): string | null {
  const inexact = firstInexactNumber(text);
  return inexact === null ? null : `the number ${inexact.length > 40 ? `${inexact.slice(0, 40)}…` : inexact} has more digits than a JavaScript number keeps`;
}

/** The first number literal in valid JSON text with more than 15 significant digits (all a double is sure to keep). */
function firstInexactNumber(text: string): string | null {
  // Strings first, so digits inside them are skipped with them.
  for (const [token] of text.matchAll(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g)) {
    if (token.startsWith('"')) continue;
    const digits = token
      .replace(/^-/, "")
      .replace(/[eE].*$/, "")
      .replace(".", "")
      .replace(/^0+/, "")
      .replace(/0+$/, "");
    if (digits.length > 15) return token;
  }
  return null;
}

/** Classic `offset  hex bytes  |ascii|` lines, 16 bytes each. */
export function hexDump(bytes: Uint8Array, maxBytes = 64 * 1024): string {
  const lines: string[] = [];
  const end = Math.min(bytes.length, maxBytes);
  for (let offset = 0; offset < end; offset += 16) {
    const row = bytes.subarray(offset, Math.min(offset + 16, end));
    const hex = Array.from(row, (byte) => byte.toString(16).padStart(2, "0"));
    const left = hex.slice(0, 8).join(" ");
    const right = hex.slice(8).join(" ");
    const ascii = Array.from(row, (byte) => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : ".")).join("");
    lines.push(`${offset.toString(16).padStart(8, "0")}  ${left.padEnd(23)}  ${right.padEnd(23)}  |${ascii}|`);
  }
  if (bytes.length > end) lines.push(`… ${bytes.length - end} more bytes (download the raw body to see them)`);
  return lines.join("\n");
}

/** Query string pairs in order, duplicates kept. */
export function queryPairs(query: string): [string, string][] {
  return query === "" ? [] : [...new URLSearchParams(query)];
}

export function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / (1024 * 1024)).toFixed(1)} MB`;
}
