/**
 * URL helpers for the schemes that sign the URL (Twilio, Square, HubSpot). They work on the text as captured:
 * `new URL()` would re-encode it and so change the signed bytes.
 */
type UrlParts = { scheme: "http" | "https"; authority: string; host: string; port: string; rest: string };

function split(url: string): UrlParts | null {
  const match = /^(https?):\/\/([^/?#]*)(.*)$/i.exec(url);
  if (!match) return null;
  const authority = match[2]!;
  // A colon after the closing bracket of an IPv6 literal starts the port.
  const colon = authority.indexOf(":", authority.lastIndexOf("]") + 1);
  return {
    scheme: match[1]!.toLowerCase() as "http" | "https",
    authority,
    host: colon < 0 ? authority : authority.slice(0, colon),
    port: colon < 0 ? "" : authority.slice(colon + 1),
    rest: match[3]!,
  };
}

const defaultPort = { http: "80", https: "443" } as const;

/** The URL without its port and with the scheme's default port: Twilio's own libraries accept either form. */
export function portForms(url: string): string[] {
  const parts = split(url);
  if (!parts) return [url];
  const without = `${parts.scheme}://${parts.host}${parts.rest}`;
  const withPort = `${parts.scheme}://${parts.host}:${parts.port || defaultPort[parts.scheme]}${parts.rest}`;
  return [...new Set([url, without, withPort])];
}

/**
 * Near misses of the signed URL, tried only after every secret failed, to tell "the sender signed another URL"
 * (typically https behind a TLS-terminating proxy, or a different host name) from "wrong secret or body".
 */
export function nearMissUrls(url: string, alsoTry: string[] = []): string[] {
  const parts = split(url);
  const out = new Set(alsoTry);
  if (parts) {
    const flipped = parts.scheme === "http" ? "https" : "http";
    out.add(`${flipped}://${parts.host}${parts.rest}`);
    out.add(`${flipped}://${parts.authority}${parts.rest}`);
    const query = parts.rest.indexOf("?");
    if (query >= 0) out.add(`${parts.scheme}://${parts.authority}${parts.rest.slice(0, query)}`);
    const path = query >= 0 ? parts.rest.slice(0, query) : parts.rest;
    const toggled = path.endsWith("/") ? path.slice(0, -1) : `${path}/`;
    out.add(`${parts.scheme}://${parts.authority}${toggled}${query >= 0 ? parts.rest.slice(query) : ""}`);
  }
  out.delete(url);
  return [...out];
}
