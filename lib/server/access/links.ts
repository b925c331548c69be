import type { BinLinkDto } from "../../types.ts";
import { binNotFound } from "../bins/bins.ts";
import { binExists } from "../bins/settings.ts";
import { AppError } from "../errors.ts";
import { getEventBus } from "../live/events.ts";
import type { BinAccess } from "./authorize.ts";
import { countLiveGrants, createGrant, type Grant, type GrantRole, listGrants, revokeGrant } from "./grants.ts";

/**
 * The most grants (links, the creator's token, a declared token) that may open one bin
 * at once: an owner needs a handful, and every one is a row and a line in the Access panel.
 */
export const maxLiveGrantsPerBin = 100;

/**
 * Share and device links. A link's token travels in the URL's fragment (`/open#hyk_…`),
 * which browsers never send to a server, so it stays out of access logs and Referer
 * headers; the /open page hands it to POST /api/session in a header.
 */
export function openUrl(baseUrl: string, token: string): string {
  return `${baseUrl}/open#${token}`;
}

function toLinkDto(grant: Grant): BinLinkDto {
  return { id: grant.id, role: grant.role, kind: grant.kind, label: grant.label, createdAt: grant.createdAt.toISOString(), expiresAt: grant.expiresAt };
}

/**
 * Mints a link on the bin `minter` opens; its token is in the answer and nowhere else.
 * A link never outlives the one that minted it: an expiring owner link mints links that
 * expire with it at the latest, whatever was asked.
 * @throws AppError not_found, conflict (the bin already has maxLiveGrantsPerBin live grants)
 */
export async function createLink(
  minter: BinAccess,
  input: { role: GrantRole; expiresInSeconds: number | null; label: string | null },
  baseUrl: string,
  now: number = Date.now(),
): Promise<BinLinkDto & { token: string; url: string }> {
  const binId = minter.binId;
  if (!(await binExists(binId))) throw binNotFound(binId);
  const asked = input.expiresInSeconds === null ? null : now + input.expiresInSeconds * 1000;
  const expiresAt = asked === null ? minter.expiresAt : minter.expiresAt === null ? asked : Math.min(asked, minter.expiresAt);
  const { grant, token } = await createGrant(binId, { role: input.role, kind: "link", label: input.label, expiresAt });
  // Counted after the insert, so concurrent mints cannot all pass a count taken before
  // any of them landed; at worst they all step back and the bin keeps fewer.
  if ((await countLiveGrants(binId, now)) > maxLiveGrantsPerBin) {
    await revokeGrant(binId, grant.id);
    throw new AppError(
      "conflict",
      `This bin already has ${maxLiveGrantsPerBin} live links and tokens, the most it may have; revoke some before minting another.`,
    );
  }
  return { ...toLinkDto(grant), token, url: openUrl(baseUrl, token) };
}

export async function listLinks(binId: string): Promise<BinLinkDto[]> {
  return (await listGrants(binId)).map(toLinkDto);
}

/**
 * Revokes a link (or the creator's own token, or a declared bin's, until the next start).
 * @throws AppError not_found
 */
export async function revokeLink(binId: string, linkId: string): Promise<void> {
  if (!(await revokeGrant(binId, linkId))) throw new AppError("not_found", `No link with id ${linkId}.`);
  // Requests check the grant each time; open live streams checked it once, and end on
  // hearing this. Published after the delete is committed, through the bus like every
  // other event, so it reaches streams held by any process that shares the bus.
  getEventBus().publish(binId, { type: "grant-revoked", binId, grantId: linkId });
}
