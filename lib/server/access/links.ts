import type { BinLinkDto } from "../../types.ts";
import { binNotFound, binExists } from "../bins.ts";
import { AppError } from "../errors.ts";
import { createGrant, type Grant, type GrantRole, listGrants, revokeGrant } from "./grants.ts";

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

/** Mints a link; its token is in the answer and nowhere else. @throws AppError not_found */
export async function createLink(binId: string, input: { role: GrantRole; expiresInSeconds: number | null; label: string | null }, baseUrl: string): Promise<BinLinkDto & { token: string; url: string }> {
  if (!(await binExists(binId))) throw binNotFound(binId);
  const expiresAt = input.expiresInSeconds === null ? null : Date.now() + input.expiresInSeconds * 1000;
  const { grant, token } = await createGrant(binId, { role: input.role, kind: "link", label: input.label, expiresAt });
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
}
