import { getDb } from "./db.ts";
import { AppError } from "./errors.ts";
import { getEventBus } from "./events.ts";
import { newBinId } from "./ids.ts";

export type BinRecord = { id: string; createdAt: Date; requestCount: number };

// Bins known to exist, so the capture hot path does not read the bin per request.
// Shared through globalThis because deletions arrive through Next's bundle while
// captures run in the custom server's copy of this module.
const knownBinsKey = Symbol.for("hookyard.knownBins");
type WithKnownBins = typeof globalThis & { [knownBinsKey]?: Set<string> };

function knownBins(): Set<string> {
  const holder = globalThis as WithKnownBins;
  holder[knownBinsKey] ??= new Set();
  return holder[knownBinsKey];
}

export async function createBin(): Promise<{ id: string; createdAt: Date }> {
  const bin = await getDb().bin.create({ data: { id: newBinId() } });
  knownBins().add(bin.id);
  return bin;
}

/** Whether captures to this bin should be accepted. Never throws for a missing bin. */
export async function binExists(binId: string): Promise<boolean> {
  const known = knownBins();
  if (known.has(binId)) return true;
  const bin = await getDb().bin.findUnique({ where: { id: binId }, select: { id: true } });
  if (bin) known.add(binId);
  return bin !== null;
}

export async function findBin(binId: string): Promise<BinRecord | null> {
  const bin = await getDb().bin.findUnique({
    where: { id: binId },
    select: { id: true, createdAt: true, _count: { select: { requests: true } } },
  });
  return bin && { id: bin.id, createdAt: bin.createdAt, requestCount: bin._count.requests };
}

/** @throws AppError not_found */
export async function getBinOrThrow(binId: string): Promise<BinRecord> {
  const bin = await findBin(binId);
  if (!bin) throw binNotFound(binId);
  return bin;
}

/** Deletes the bin and, by cascade, its captures. @throws AppError not_found */
export async function deleteBin(binId: string): Promise<void> {
  // Forget it first: from here on new captures to it are refused.
  knownBins().delete(binId);
  const { count } = await getDb().bin.deleteMany({ where: { id: binId } });
  if (count === 0) throw binNotFound(binId);
  getEventBus().publish(binId, { type: "bin-deleted", binId });
}

export function binNotFound(binId: string): AppError {
  return new AppError("not_found", `No bin with id ${binId}.`);
}
