import { type StoredGrant, getStorage } from "../storage/storage.ts";
import { hashToken, newGrantId, newToken } from "./tokens.ts";

/** owner reads and steers the bin; viewer reads its captures and changes nothing. */
export type GrantRole = "owner" | "viewer";

/** creator: made with the bin; link: minted by an owner; configured: a declared bin's token. */
export type GrantKind = "creator" | "link" | "configured";

export type Grant = { id: string; binId: string; role: GrantRole; kind: GrantKind; label: string | null; createdAt: Date; expiresAt: number | null };

function toGrant(row: StoredGrant): Grant {
  return {
    id: row.id,
    binId: row.binId,
    role: row.role === "owner" ? "owner" : "viewer",
    kind: row.kind as GrantKind,
    label: row.label,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
  };
}

/** Mints a token for the bin and keeps its hash. The token is returned here and never again. */
export async function createGrant(
  binId: string,
  grant: { role: GrantRole; kind: GrantKind; label?: string | null; expiresAt?: number | null },
): Promise<{ grant: Grant; token: string }> {
  const token = newToken();
  const row = await getStorage().grants.create({
    id: newGrantId(),
    binId,
    tokenHash: hashToken(token),
    role: grant.role,
    kind: grant.kind,
    label: grant.label ?? null,
    expiresAt: grant.expiresAt ?? null,
  });
  return { grant: toGrant(row), token };
}

/** The live grant a token stands for, or null (unknown, revoked or expired). */
export async function findGrant(token: string, now: number = Date.now()): Promise<Grant | null> {
  const row = await getStorage().grants.findByTokenHash(hashToken(token));
  if (!row) return null;
  const grant = toGrant(row);
  return grant.expiresAt !== null && grant.expiresAt <= now ? null : grant;
}

/** The bin's grants, newest first, expired ones left out. */
export async function listGrants(binId: string, now: number = Date.now()): Promise<Grant[]> {
  const rows = await getStorage().grants.listLive(binId, now);
  return rows.map(toGrant);
}

/** How many of the bin's grants open it now (revoked and expired ones are gone or left out). */
export async function countLiveGrants(binId: string, now: number = Date.now()): Promise<number> {
  return getStorage().grants.countLive(binId, now);
}

/** Each bin's live grant ids being read now, shared by whoever asks meanwhile. */
const liveIdsInFlight = new Map<string, Promise<ReadonlySet<string>>>();

/**
 * Whether the grant still opens the bin (not revoked, not expired). Asked by every open
 * stream of a bin at once after a listener reconnect (`resync`): calls for a bin while its
 * grants are being read share that one read, so a popular bin costs one query, not one
 * per stream.
 */
export async function isGrantLive(binId: string, grantId: string): Promise<boolean> {
  let ids = liveIdsInFlight.get(binId);
  if (!ids) {
    ids = listGrants(binId)
      .then((grants) => new Set(grants.map((grant) => grant.id)))
      .finally(() => liveIdsInFlight.delete(binId));
    liveIdsInFlight.set(binId, ids);
  }
  return (await ids).has(grantId);
}

/** Revokes one of the bin's grants; every browser and client holding its token loses access at once. Returns false when there was none. */
export async function revokeGrant(binId: string, grantId: string): Promise<boolean> {
  return getStorage().grants.revoke(binId, grantId);
}

/** Makes `token` the declared bin's one configured grant (an owner), replacing an earlier one. */
export async function setConfiguredGrant(binId: string, token: string | null): Promise<void> {
  await getStorage().grants.setConfigured(binId, token === null ? null : { id: newGrantId(), tokenHash: hashToken(token) });
}
