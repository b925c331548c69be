import { getConfig } from "../../config.ts";
import { getStorage } from "../storage/storage.ts";

// Per-process, shared by Next's bundles and the custom server through globalThis.
const visitsKey = Symbol.for("hookyard.binVisits");
type WithVisits = typeof globalThis & { [visitsKey]?: Map<string, number> };

function visits(): Map<string, number> {
  const holder = globalThis as WithVisits;
  holder[visitsKey] ??= new Map();
  return holder[visitsKey];
}

/**
 * Records a dashboard visit, which keeps the bin from being swept as idle. Written at
 * most once per bin per tenth of BIN_IDLE_TTL (and per hour), so reloads cost nothing.
 */
export async function markBinVisited(binId: string, now: number = Date.now()): Promise<void> {
  const { binIdleTtlMs } = getConfig();
  if (binIdleTtlMs === 0) return;
  const last = visits().get(binId);
  if (last !== undefined && now - last < Math.min(3_600_000, binIdleTtlMs / 10)) return;
  visits().set(binId, now);
  await getStorage().bins.markVisited(binId, now);
}

/** Forgets when a deleted bin was last visited. */
export function forgetVisit(binId: string): void {
  visits().delete(binId);
}
