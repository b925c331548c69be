import { AppError } from "../errors.ts";
import { refuseWhileGuessing, recordFailedGuess } from "./authorize.ts";
import { accessCookies } from "./cookies.ts";
import { findGrant, type GrantRole } from "./grants.ts";
import { looksLikeToken } from "./tokens.ts";

/**
 * Opens a bin in this browser: the token (from a share or device link, or typed in)
 * becomes the bin's cookies. Answers which bin it opens and how.
 * @throws AppError too_many_requests, not_found for a token that opens nothing
 */
export async function openSession(token: string | null, clientIp: string, secure: boolean): Promise<{ binId: string; role: GrantRole; cookies: string[] }> {
  if (token === null) throw opensNothing();
  refuseWhileGuessing(clientIp);
  const grant = looksLikeToken(token) ? await findGrant(token) : null;
  if (!grant) {
    recordFailedGuess(clientIp);
    throw opensNothing();
  }
  return { binId: grant.binId, role: grant.role, cookies: accessCookies(grant.binId, token, { secure, expiresAt: grant.expiresAt }) };
}

function opensNothing(): AppError {
  return new AppError("not_found", "This link opens nothing: it was revoked, has expired, or was copied incompletely.");
}
