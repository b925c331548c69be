/**
 * How many captures each bin holds, as the capture writer last knew it, so pruning to
 * MAX_CAPTURES_PER_BIN costs no count per capture and a big bin's page or settings
 * read does not count its rows (findBin). A bin's entry is filled by one
 * count on its first capture after start-up and kept up to date by the writer's own
 * inserts and deletions. Deletions made elsewhere (the API, through Prisma) forget the
 * entry instead, and the next capture counts again.
 *
 * Shared through globalThis: deletions arrive through Next's bundle, captures run in
 * the custom server's copy of this module.
 */
const countsKey = Symbol.for("hookyard.captureCounts");
const bytesKey = Symbol.for("hookyard.captureBytes");
type WithCounts = typeof globalThis & { [countsKey]?: Map<string, number>; [bytesKey]?: Map<string, number> };

export function captureCounts(): Map<string, number> {
  const holder = globalThis as WithCounts;
  holder[countsKey] ??= new Map();
  return holder[countsKey];
}

/** The body bytes each bin holds, kept the same way, for MAX_BIN_BYTES. */
export function captureBytes(): Map<string, number> {
  const holder = globalThis as WithCounts;
  holder[bytesKey] ??= new Map();
  return holder[bytesKey];
}

/** Call after deleting captures outside the capture writer: forgets the bin's count and bytes. */
export function forgetCaptureCount(binId: string): void {
  captureCounts().delete(binId);
  captureBytes().delete(binId);
}
