import type { ForwardJobState } from "../../../types.ts";
import { defaultForwardMaxAttempts } from "../../../validations/bins.ts";
import { AppError } from "../../errors.ts";
import { type BinsStorage, endedByTurningOff } from "../storage.ts";
import { readSettings, responseColumns, settingsColumns, signatureColumns } from "./bin-settings.ts";
import type { PrismaModels } from "./models.ts";

export function createBinsRepository(db: PrismaModels): BinsStorage {
  return {
    async create({ id, lastUsedAt, creator }) {
      const bin = await db.bin.create({
        data: { id, lastUsedAt: BigInt(lastUsedAt), grants: { create: creator } },
        select: { id: true, createdAt: true },
      });
      return bin;
    },

    async find(binId) {
      const bin = await db.bin.findUnique({
        where: { id: binId },
        select: { id: true, createdAt: true, forwardUrl: true, ...settingsColumns },
      });
      if (!bin) return null;
      return { id: bin.id, createdAt: bin.createdAt, forwardUrl: bin.forwardUrl, autoForward: bin.autoForward, settings: readSettings(binId, bin) };
    },

    async loadSettings(binId) {
      const bin = await db.bin.findUnique({ where: { id: binId }, select: settingsColumns });
      return bin ? readSettings(binId, bin) : null;
    },

    async resolveAlias(alias) {
      const row = await db.binAlias.findUnique({ where: { alias }, select: { binId: true } });
      return row?.binId ?? null;
    },

    async applyChanges(binId, changes, base) {
      await db.$transaction(async (tx) => {
        // The alias first: the only change that can be refused, and it refuses them all.
        if (changes.alias !== undefined) {
          if (changes.alias === null) {
            await tx.binAlias.deleteMany({ where: { binId } });
          } else {
            const holder = await tx.binAlias.findUnique({ where: { alias: changes.alias } });
            if (holder && holder.binId !== binId) throw new AppError("conflict", `The alias ${changes.alias} is already taken by another bin.`);
            await tx.binAlias.upsert({ where: { binId }, create: { binId, alias: changes.alias }, update: { alias: changes.alias } });
          }
        }
        if (changes.response !== undefined || changes.rules !== undefined) {
          const columns = responseColumns(changes.response === undefined ? base.response : changes.response, changes.rules ?? base.rules);
          await tx.binResponse.upsert({ where: { binId }, create: { binId, ...columns }, update: columns });
        }
        if (changes.signature !== undefined) {
          await tx.bin.update({ where: { id: binId }, data: signatureColumns(changes.signature) });
        }
        if (changes.maxCaptures !== undefined || changes.cors !== undefined) {
          await tx.bin.update({ where: { id: binId }, data: { maxCaptures: changes.maxCaptures, cors: changes.cors } });
        }
        if (changes.forward !== undefined) {
          const forward = changes.forward;
          await tx.bin.update({ where: { id: binId }, data: { forwardUrl: forward?.url ?? null } });
          let enabled = false;
          if (forward) {
            const saved = await tx.autoForward.findUnique({ where: { binId } });
            enabled = forward.enabled ?? saved?.enabled ?? false;
            const maxAttempts = forward.maxAttempts ?? saved?.maxAttempts ?? defaultForwardMaxAttempts;
            await tx.autoForward.upsert({
              where: { binId },
              create: { binId, url: forward.url, enabled, maxAttempts },
              update: { url: forward.url, enabled, maxAttempts },
            });
          } else {
            await tx.autoForward.deleteMany({ where: { binId } });
          }
          // Turning auto-forward off stops the retries still waiting too, not only new
          // captures. An attempt in flight finishes, but is not retried (the worker only
          // updates jobs still running).
          if (!enabled) {
            await tx.forwardJob.updateMany({
              where: { binId, state: { in: ["pending", "running"] satisfies ForwardJobState[] } },
              data: endedByTurningOff,
            });
          }
        }
      });
    },

    async delete(binId) {
      const { count } = await db.bin.deleteMany({ where: { id: binId } });
      return count > 0;
    },

    async markVisited(binId, at) {
      await db.bin.updateMany({ where: { id: binId }, data: { lastUsedAt: BigInt(at) } });
    },

    async rememberForwardUrl(binId, url) {
      await db.bin.updateMany({ where: { id: binId }, data: { forwardUrl: url } });
    },

    countCaptures(binId) {
      return db.capturedRequest.count({ where: { binId } });
    },

    async pruneToLimit(binId, limit) {
      const [newestGone] = await db.capturedRequest.findMany({ where: { binId }, orderBy: { seq: "desc" }, skip: limit, take: 1, select: { seq: true } });
      if (!newestGone) return null;
      const { count } = await db.capturedRequest.deleteMany({ where: { binId, seq: { lte: newestGone.seq } } });
      return count > 0 ? { binId, throughSeq: newestGone.seq, removed: count } : null;
    },

    async applyDeclared(bin) {
      await db.$transaction(async (tx) => {
        const binColumns = { ...signatureColumns(bin.signature), maxCaptures: bin.maxCaptures, cors: bin.cors };
        await tx.bin.upsert({ where: { id: bin.id }, create: { id: bin.id, ...binColumns }, update: binColumns });
        await tx.binAlias.deleteMany({ where: bin.alias ? { OR: [{ binId: bin.id }, { alias: bin.alias }] } : { binId: bin.id } });
        if (bin.alias) await tx.binAlias.create({ data: { binId: bin.id, alias: bin.alias } });
        const columns = responseColumns(bin.response, bin.rules);
        await tx.binResponse.upsert({ where: { binId: bin.id }, create: { binId: bin.id, ...columns }, update: columns });
      });
    },
  };
}
