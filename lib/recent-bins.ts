/** This browser's recently opened bins, kept in localStorage (never sent to the server). */
export type RecentBin = { id: string; url: string; openedAt: number };

const storageKey = "hookyard.recentBins";
const maxRecent = 20;

export function readRecentBins(): RecentBin[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(storageKey) ?? "[]");
    return Array.isArray(parsed) ? parsed.filter(isRecentBin) : [];
  } catch {
    return [];
  }
}

export function rememberBin(bin: { id: string; url: string }): void {
  const others = readRecentBins().filter((recent) => recent.id !== bin.id);
  const next = [{ id: bin.id, url: bin.url, openedAt: Date.now() }, ...others].slice(0, maxRecent);
  localStorage.setItem(storageKey, JSON.stringify(next));
}

export function forgetBin(binId: string): void {
  localStorage.setItem(storageKey, JSON.stringify(readRecentBins().filter((recent) => recent.id !== binId)));
}

function isRecentBin(value: unknown): value is RecentBin {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.id === "string" && typeof candidate.url === "string" && typeof candidate.openedAt === "number";
}

// For useSyncExternalStore: a stable snapshot that changes only when the stored value does.
let cachedSnapshot: { raw: string | null; bins: RecentBin[] } | null = null;

export function recentBinsSnapshot(): RecentBin[] {
  const raw = localStorage.getItem(storageKey);
  if (cachedSnapshot?.raw !== raw) cachedSnapshot = { raw, bins: readRecentBins() };
  return cachedSnapshot.bins;
}

/** Other tabs opening or deleting bins. */
export function subscribeToRecentBins(onChange: () => void): () => void {
  window.addEventListener("storage", onChange);
  return () => window.removeEventListener("storage", onChange);
}
