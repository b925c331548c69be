import type { GrantsStorage, StoredGrant } from "../storage.ts";
import type { PrismaModels } from "./models.ts";

type GrantRow = Omit<StoredGrant, "expiresAt"> & { expiresAt: bigint | null };

function toGrant(row: GrantRow): StoredGrant {
  return { ...row, expiresAt: row.expiresAt === null ? null : Number(row.expiresAt) };
}

/** Not expired at `now`: no expiry, or one still ahead. */
function liveAt(now: number) {
  return { OR: [{ expiresAt: null }, { expiresAt: { gt: BigInt(now) } }] };
}

export function createGrantsRepository(db: PrismaModels): GrantsStorage {
  return {
    async create(grant) {
      const row = await db.binGrant.create({ data: { ...grant, expiresAt: grant.expiresAt === null ? null : BigInt(grant.expiresAt) } });
      return toGrant(row);
    },

    async findByTokenHash(tokenHash) {
      const row = await db.binGrant.findUnique({ where: { tokenHash } });
      return row ? toGrant(row) : null;
    },

    async listLive(binId, now) {
      const rows = await db.binGrant.findMany({ where: { binId, ...liveAt(now) }, orderBy: { createdAt: "desc" } });
      return rows.map(toGrant);
    },

    countLive(binId, now) {
      return db.binGrant.count({ where: { binId, ...liveAt(now) } });
    },

    async revoke(binId, grantId) {
      const { count } = await db.binGrant.deleteMany({ where: { id: grantId, binId } });
      return count > 0;
    },

    async setConfigured(binId, grant) {
      await db.$transaction(async (tx) => {
        await tx.binGrant.deleteMany({ where: { binId, kind: "configured" } });
        if (grant !== null) {
          // The same token declared for another bin before: it now names this one.
          await tx.binGrant.deleteMany({ where: { tokenHash: grant.tokenHash } });
          await tx.binGrant.create({ data: { id: grant.id, binId, tokenHash: grant.tokenHash, role: "owner", kind: "configured" } });
        }
      });
    },
  };
}
