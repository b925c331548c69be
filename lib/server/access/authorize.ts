import { getConfig } from "../../config.ts";
import { binNotFound } from "../bins/bins.ts";
import { AppError } from "../errors.ts";
import { RateLimiter, retryAfterSeconds } from "../http/rate-limit.ts";
import { accessCookieName, readCookies } from "./cookies.ts";
import { findGrant, type GrantRole } from "./grants.ts";
import { looksLikeToken } from "./tokens.ts";
import { clientKey } from "../http/client-key.ts";

/**
 * read: captures, their bodies and the live stream (owners and viewers). owner: what only
 * an owner may read (forward attempts, share links). write: everything that changes,
 * sends or signs something.
 */
export type AccessNeed = "read" | "owner" | "write";

export type BinAccess = {
  binId: string;
  role: GrantRole;
  grantId: string;
  /** When the grant stops opening the bin (ms since the epoch); null: until revoked. */
  expiresAt: number | null;
  via: "bearer" | "cookie";
};

/** What a request carries that can prove access, whichever listener received it. */
export type Credentials = {
  authorization: string | null | undefined;
  cookie: string | null | undefined;
  /** Sent by browsers on every cross-origin request and every non-GET fetch. */
  origin: string | null | undefined;
  /** `same-origin`, `same-site`, `cross-site` or `none`, sent by current browsers. */
  fetchSite: string | null | undefined;
  /** The origins this request may have been addressed to (PUBLIC_URL, the Host it named), to compare `origin` with. */
  selfOrigins: string[];
  clientIp: string;
};

const limiterKey = Symbol.for("hookyard.accessGuessLimiter");
type WithLimiter = typeof globalThis & { [limiterKey]?: RateLimiter | null };

/**
 * Tokens tried that open nothing, per client, as a token bucket: AUTH_FAILURES_PER_MINUTE
 * at once, then one every 60/n s. Only a request that presents a token counts: one
 * without any gets the same 404 for every bin, real or not, so there is nothing to guess
 * from it, and a browser never attaches a token to another site's request (the API's
 * cookie is SameSite=Strict and a bearer header needs a CORS preflight we never grant),
 * so no page elsewhere can spend a visitor's allowance. Clients are keyed by address,
 * an IPv6 one by its /64 (see clientKey).
 */
export function guessLimiter(): RateLimiter | null {
  const holder = globalThis as WithLimiter;
  if (holder[limiterKey] === undefined) {
    const perMinute = getConfig().authFailuresPerMinute;
    holder[limiterKey] = perMinute > 0 ? new RateLimiter(perMinute / 60, perMinute) : null;
  }
  return holder[limiterKey];
}

/** @throws AppError too_many_requests while `clientIp` has used up its failures */
export function refuseWhileGuessing(clientIp: string): void {
  const waitMs = guessLimiter()?.wait(clientKey(clientIp)) ?? 0;
  if (waitMs > 0) {
    throw new AppError("too_many_requests", `Too many failed attempts to open a bin from this address; retry in ${retryAfterSeconds(waitMs)} s.`, {
      "Retry-After": retryAfterSeconds(waitMs),
    });
  }
}

/** Counts one failed attempt against `clientIp`. */
export function recordFailedGuess(clientIp: string): void {
  guessLimiter()?.take(clientKey(clientIp));
}

export function bearerToken(header: string | null | undefined): string | null {
  const match = header ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
  return match ? match[1]! : null;
}

/**
 * Checks that the request may `need` the bin. The token comes from `Authorization:
 * Bearer` (API clients, the relay CLI) or the bin's cookie (the dashboard). Without a
 * valid one for this bin the answer is the same 404 as for a bin that does not exist,
 * so neither the bin nor its id is revealed.
 *
 * A change made with the cookie must come from our own pages: browsers say where a
 * request comes from (`Sec-Fetch-Site`, `Origin`), and another site, even a sibling
 * subdomain that SameSite counts as the same site, is refused. A bearer token is
 * never sent by a browser on its own, so it needs no such check.
 * A token that opens nothing counts against the client (guessLimiter).
 * @throws AppError too_many_requests, not_found, forbidden (a viewer asking to write, a cross-site change)
 */
export async function authorizeBin(binId: string, need: AccessNeed, credentials: Credentials): Promise<BinAccess> {
  const bearer = bearerToken(credentials.authorization);
  const candidates = bearer !== null ? [bearer] : readCookies(credentials.cookie, accessCookieName);
  if (candidates.length === 0) throw binNotFound(binId);
  // Refused before the lookup, so a client over its allowance learns nothing more.
  refuseWhileGuessing(credentials.clientIp);
  let access: BinAccess | null = null;
  for (const token of candidates.slice(0, 4)) {
    if (!looksLikeToken(token)) continue;
    const grant = await findGrant(token);
    if (grant && grant.binId === binId) {
      access = { binId, role: grant.role, grantId: grant.id, expiresAt: grant.expiresAt, via: bearer !== null ? "bearer" : "cookie" };
      break;
    }
  }
  if (!access) {
    recordFailedGuess(credentials.clientIp);
    throw binNotFound(binId);
  }
  if (need !== "read" && access.role !== "owner") {
    throw new AppError("forbidden", "This is a read-only link: it shows the bin's captures and changes nothing.");
  }
  if (need === "write" && access.via === "cookie" && !fromOwnPages(credentials)) {
    throw new AppError("forbidden", "Changes made with the dashboard's cookie must come from the dashboard itself.");
  }
  return access;
}

/**
 * For calls that need no token but must not be made by another site through a visitor's
 * browser (making a bin spends the visitor's BINS_PER_IP_PER_HOUR; opening a link puts
 * someone else's bin in their dashboard). Clients other than browsers send neither header.
 * @throws AppError forbidden
 */
export function refuseCrossSite(credentials: Pick<Credentials, "origin" | "fetchSite" | "selfOrigins">): void {
  if (!fromOwnPages(credentials)) throw new AppError("forbidden", "This call must come from the dashboard itself, not from another site.");
}

function fromOwnPages(credentials: Pick<Credentials, "origin" | "fetchSite" | "selfOrigins">): boolean {
  const site = credentials.fetchSite?.toLowerCase();
  if (site && site !== "same-origin" && site !== "none") return false;
  if (credentials.origin && credentials.origin !== "null") {
    const origin = credentials.origin.toLowerCase();
    return credentials.selfOrigins.some((self) => self.toLowerCase() === origin);
  }
  // No Origin: a browser sends one with every state-changing fetch, so this is not one of
  // a browser's cross-site requests; Sec-Fetch-Site said nothing against it either.
  return credentials.origin !== "null";
}
