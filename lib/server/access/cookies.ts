/**
 * The dashboard keeps a bin's token in two cookies, one scoped to the bin's page
 * (`/bins/{id}`) and one to its API (`/api/bins/{id}`, which the live stream and
 * every fetch of the page fall under). Path scoping means a browser sends them only
 * there: never to a capture URL (`/b/...`), so they never end up inside a capture,
 * and never to another bin's pages, so a browser with many bins sends one token each time.
 *
 * HttpOnly: the page's scripts never see the token. The page's cookie is SameSite=Lax so
 * a link from a chat or an e-mail opens the bin; the API's is Strict, so no other site
 * can make the browser send it (and state-changing calls also check the origin, see authorize.ts).
 */
export const accessCookieName = "hookyard_bin";

export type CookieScope = "page" | "api";

function cookiePath(scope: CookieScope, binId: string): string {
  return scope === "page" ? `/bins/${binId}` : `/api/bins/${binId}`;
}

/** Browsers cap a cookie's life at 400 days. */
const maxCookieSeconds = 400 * 24 * 3600;

/**
 * `Set-Cookie` values that give this browser `token` for the bin. `expiresAt` (ms since
 * the epoch) bounds the cookies' life to the grant's; `secure` when the dashboard is served over HTTPS.
 */
export function accessCookies(binId: string, token: string, options: { secure: boolean; expiresAt: number | null; now?: number }): string[] {
  const now = options.now ?? Date.now();
  const maxAge = options.expiresAt === null ? maxCookieSeconds : Math.max(0, Math.min(maxCookieSeconds, Math.floor((options.expiresAt - now) / 1000)));
  return (["page", "api"] as const).map((scope) =>
    [
      `${accessCookieName}=${token}`,
      `Path=${cookiePath(scope, binId)}`,
      `Max-Age=${maxAge}`,
      "HttpOnly",
      `SameSite=${scope === "page" ? "Lax" : "Strict"}`,
      ...(options.secure ? ["Secure"] : []),
    ].join("; "),
  );
}

/** `Set-Cookie` values that make this browser forget the bin's token. */
export function clearedAccessCookies(binId: string, secure: boolean): string[] {
  return accessCookies(binId, "", { secure, expiresAt: 0, now: 0 });
}

/**
 * The values of every cookie called `name` in a `Cookie` header, in order. A browser
 * sends the most specific path first, but a page may have been given several.
 */
export function readCookies(header: string | null | undefined, name: string): string[] {
  if (!header) return [];
  const values: string[] = [];
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) values.push(part.slice(eq + 1).trim());
  }
  return values;
}
