import { getConfig } from "../../config.ts";
import { binNotFound } from "../bins.ts";
import { AppError } from "../errors.ts";
import { RateLimiter, retryAfterSeconds } from "../rate-limit.ts";
import { accessCookieName, readCookies } from "./cookies.ts";
import { findGrant, type GrantRole } from "./grants.ts";
import { looksLikeToken } from "./tokens.ts";

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
 * Failed attempts to open a bin (a wrong or missing token, a bin that does not exist, an
 * alias nobody has) per client IP, as a token bucket: AUTH_FAILURES_PER_MINUTE at once,
 * then one every 60/n s. Only failures take from it, so an owner's own traffic never does.
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
  const waitMs = guessLimiter()?.wait(clientIp) ?? 0;
  if (waitMs > 0) {
    throw new AppError("too_many_requests", `Too many failed attempts to open a bin from this address; retry in ${retryAfterSeconds(waitMs)} s.`, {
      "Retry-After": retryAfterSeconds(waitMs),
    });
  }
}

/** Counts one failed attempt against `clientIp`. */
export function recordFailedGuess(clientIp: string): void {
  guessLimiter()?.take(clientIp);
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
 * @throws AppError too_many_requests, not_found, forbidden (a viewer asking to write, a cross-site change)
 */
export async function authorizeBin(binId: string, need: AccessNeed, credentials: Credentials): Promise<BinAccess> {
  refuseWhileGuessing(credentials.clientIp);
  const bearer = bearerToken(credentials.authorization);
  const candidates = bearer !== null ? [bearer] : readCookies(credentials.cookie, accessCookieName);
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

function fromOwnPages(credentials: Credentials): boolean {
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
