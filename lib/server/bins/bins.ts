import { getConfig } from "../../config.ts";
import { noResponseSettings, type ResponseRule, type ResponseSettings, type ResponseSpec } from "../../responses.ts";
import type { BinEvent, BinForwardDto, BinSignatureDto } from "../../types.ts";
import { type BinForwardInput, defaultForwardMaxAttempts } from "../../validations/bins.ts";
import { responseHeaderProblems, responseSettingsSizeProblem } from "../../validations/responses.ts";
import { captureBytes, captureCounts, forgetCaptureCount } from "../storage/capture-counts.ts";
import { type StoredAutoForward, getStorage } from "../storage/storage.ts";
import { AppError } from "../errors.ts";
import { getEventBus } from "../live/events.ts";
import { hashToken, newGrantId, newToken } from "../access/tokens.ts";
import { clientKey } from "../http/client-key.ts";
import { newBinId } from "./ids.ts";
import { aliasCache, currentSignature, forgetSettings, getBinSettings, loadSettings, remember, settingsCache } from "./settings.ts";
import { forgetVisit } from "./visits.ts";
import { RateLimiter, retryAfterSeconds } from "../http/rate-limit.ts";
import { rejudgeBin, toSignatureDto } from "../signatures/signature-checks.ts";
import type { SignatureConfig } from "../signatures/index.ts";

export type BinRecord = {
  id: string;
  createdAt: Date;
  requestCount: number;
  /** How many captures the bin keeps (its own limit, else MAX_CAPTURES_PER_BIN); older ones are pruned. */
  captureLimit: number;
  signature: BinSignatureDto | null;
  forward: BinForwardDto | null;
  alias: string | null;
  responses: ResponseSettings;
  /** Whether capture URLs answer CORS preflights and let pages read their answers. */
  cors: boolean;
};

// Per-process state shared by Next's bundles and the custom server, as above.
const creationLimiterKey = Symbol.for("hookyard.binCreationLimiter");
type WithBinState = typeof globalThis & { [creationLimiterKey]?: RateLimiter | null };

/** BINS_PER_IP_PER_HOUR as a token bucket: the whole hour's allowance at once, then one every 3600/n s. */
function creationLimiter(): RateLimiter | null {
  const holder = globalThis as WithBinState;
  if (holder[creationLimiterKey] === undefined) {
    const perHour = getConfig().binsPerIpPerHour;
    holder[creationLimiterKey] = perHour > 0 ? new RateLimiter(perHour / 3_600, perHour) : null;
  }
  return holder[creationLimiterKey];
}

/**
 * Creates a bin for the client at `clientIp`, with its owner token: returned here once,
 * only its hash is kept.
 * @throws AppError too_many_requests (with Retry-After) beyond BINS_PER_IP_PER_HOUR
 */
export async function createBin(clientIp: string): Promise<{ id: string; createdAt: Date; token: string }> {
  const waitMs = creationLimiter()?.take(clientKey(clientIp)) ?? 0;
  if (waitMs > 0) {
    throw new AppError("too_many_requests", `Too many bins created from this address; retry in ${retryAfterSeconds(waitMs)} s.`, {
      "Retry-After": retryAfterSeconds(waitMs),
    });
  }
  const token = newToken();
  const bin = await getStorage().bins.create({
    id: newBinId(),
    lastUsedAt: Date.now(),
    creator: { id: newGrantId(), tokenHash: hashToken(token), role: "owner", kind: "creator" },
  });
  remember(bin.id, { signature: null, alias: null, responses: noResponseSettings, autoForward: null, maxCaptures: null, cors: true });
  return { id: bin.id, createdAt: bin.createdAt, token };
}
export async function findBin(binId: string): Promise<BinRecord | null> {
  const storage = getStorage();
  const bin = await storage.bins.find(binId);
  if (!bin) return null;
  const settings = bin.settings;
  return {
    id: bin.id,
    createdAt: bin.createdAt,
    // Counting a 100,000-capture bin walks its index for ~8 ms with the event loop
    // blocked, on every bin page and settings read: the capture writer's count is exact
    // once it has seen the bin, and only a bin it has not seen since start-up is counted.
    requestCount: captureCounts().get(binId) ?? (await storage.bins.countCaptures(binId)),
    captureLimit: settings.maxCaptures ?? getConfig().maxCapturesPerBin,
    signature: toSignatureDto(settings.signature),
    forward: toForwardDto(bin.forwardUrl, bin.autoForward),
    alias: settings.alias,
    responses: settings.responses,
    cors: settings.cors,
  };
}

/** While auto-forward is on, its target; while off, the target last used by hand (the remembered one). */
function toForwardDto(rememberedUrl: string | null, auto: StoredAutoForward): BinForwardDto | null {
  const url = auto?.enabled ? auto.url : (rememberedUrl ?? auto?.url);
  if (!url) return null;
  return { url, enabled: auto?.enabled ?? false, maxAttempts: auto?.maxAttempts ?? defaultForwardMaxAttempts };
}

/** @throws AppError not_found */
export async function getBinOrThrow(binId: string): Promise<BinRecord> {
  const bin = await findBin(binId);
  if (!bin) throw binNotFound(binId);
  return bin;
}

/** What PATCH may change; an absent field stays as it is. */
export type BinChanges = {
  signature?: SignatureConfig | null;
  alias?: string | null;
  response?: ResponseSpec | null;
  rules?: ResponseRule[];
  /** The forwarding target; `enabled` and `maxAttempts` keep their values when left out. */
  forward?: BinForwardInput | null;
  /** Captures the bin keeps; null for MAX_CAPTURES_PER_BIN. */
  maxCaptures?: number | null;
  /** Answer CORS preflights and let pages read answers (on), or treat OPTIONS like any method (off). */
  cors?: boolean;
};

/**
 * Applies the changes together (the alias first, as the only one that can be refused),
 * refreshes the in-memory settings and, when the signature check changed, judges the
 * bin's captures again so every verdict follows the current secret (a newer change
 * stops that re-judge and runs its own, see rejudgeBin). A lower capture
 * limit prunes the bin down to it at once.
 * @throws AppError not_found, AppError conflict when another bin has the alias
 */
export async function updateBin(binId: string, changes: BinChanges): Promise<BinRecord> {
  const current = await getBinSettings(binId);
  if (!current) throw binNotFound(binId);
  if (changes.response !== undefined || changes.rules !== undefined) assertResponsesAllowed(changes, current.responses);
  await getStorage().bins.applyChanges(binId, changes, current.responses);
  // Captures from now on follow the new settings; the ones before are judged below.
  const settings = await loadSettings(binId);
  if (!settings) throw binNotFound(binId);
  if (changes.signature !== undefined) await rejudgeBin(binId, () => currentSignature(binId));
  if (changes.maxCaptures !== undefined) await pruneToLimit(binId, settings.maxCaptures ?? getConfig().maxCapturesPerBin);
  getEventBus().publish(binId, { type: "bin-updated", binId });
  return getBinOrThrow(binId);
}

/**
 * What PATCH sets must be sendable from where captures are answered (the dashboard's
 * origin unless CAPTURE_URL gives them their own), and the result must fit in memory.
 * Only the parts given are checked for headers: a row saved before keeps working
 * (filtered at answer time) until it is edited.
 * @throws AppError validation_failed naming the header or the size
 */
function assertResponsesAllowed(changes: BinChanges, current: ResponseSettings): void {
  const problems = responseHeaderProblems({ response: changes.response, rules: changes.rules }, getConfig().captureHost ? "capture" : "dashboard");
  const size = responseSettingsSizeProblem({
    response: changes.response === undefined ? current.response : changes.response,
    rules: changes.rules ?? current.rules,
  });
  if (size) problems.push(size);
  if (problems.length > 0) throw new AppError("validation_failed", problems.slice(0, 5).join("; "));
}

/**
 * Deletes the bin's captures beyond its newest `limit` and tells open dashboards. The
 * capture writer would do it at the next capture; doing it now makes a lowered limit
 * true at once. Its remembered count is forgotten, so the next capture counts again.
 */
async function pruneToLimit(binId: string, limit: number): Promise<void> {
  const pruned = await getStorage().bins.pruneToLimit(binId, limit);
  if (!pruned) return;
  forgetCaptureCount(binId);
  getEventBus().publish(binId, { type: "requests-pruned", binId, throughSeq: pruned.throughSeq, removed: pruned.removed });
}

/** Deletes the bin and, by cascade, its captures. @throws AppError not_found */
export async function deleteBin(binId: string): Promise<void> {
  // Forget it first: from here on new captures to it are refused.
  forgetBin(binId);
  if (!(await getStorage().bins.delete(binId))) throw binNotFound(binId);
  getEventBus().publish(binId, { type: "bin-deleted", binId });
}

/** Drops everything kept in memory about a bin that is being deleted. */
export function forgetBin(binId: string): void {
  forgetSettings(binId);
  forgetCaptureCount(binId);
  forgetVisit(binId);
}

/**
 * This process missed other instances' changes for a while (its listener reconnected):
 * every bin's cached settings, aliases and counts are read again when next needed, not
 * only those of bins with an open stream, whose `resync` says the same per bin.
 */
export function forgetEverythingCached(): void {
  settingsCache().clear();
  aliasCache().clear();
  captureCounts().clear();
  captureBytes().clear();
}

/**
 * Another instance changed the bin (heard through the bus): what this process keeps in
 * memory about it is read again from the database the next time it is needed. After a
 * `resync` (this process missed events for a while) nothing kept about the bin is trusted.
 */
export function forgetChangedElsewhere(binId: string, type: BinEvent["type"]): void {
  switch (type) {
    case "bin-updated":
    case "bin-deleted":
    case "resync":
      forgetBin(binId);
      return;
    case "request":
    case "request-deleted":
    case "requests-cleared":
    case "requests-pruned":
      forgetCaptureCount(binId);
      return;
    case "forward-attempt":
    case "grant-revoked":
      // Nothing of these is kept in memory: grants are looked up on every request.
      return;
  }
}

export function binNotFound(binId: string): AppError {
  return new AppError("not_found", `No bin with id ${binId}.`);
}
