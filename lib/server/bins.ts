import { getConfig } from "../config.ts";
import type { BinSignatureDto } from "../types.ts";
import { forgetCaptureCount } from "./capture-counts.ts";
import { getDb } from "./db.ts";
import { AppError } from "./errors.ts";
import { getEventBus } from "./events.ts";
import { newBinId } from "./ids.ts";
import { RateLimiter, retryAfterSeconds } from "./rate-limit.ts";
import { rejudgeBin, toSignatureDto } from "./signature-checks.ts";
import { type SignatureConfig, signatureConfigSchema } from "./signatures/index.ts";

/** What the capture path needs to know about a bin, kept in memory. */
export type BinSettings = { signature: SignatureConfig | null };

export type BinRecord = {
  id: string;
  createdAt: Date;
  requestCount: number;
  /** How many captures the bin keeps (MAX_CAPTURES_PER_BIN); older ones are pruned. */
  captureLimit: number;
  signature: BinSignatureDto | null;
};

// Settings of bins known to exist, so the capture hot path does not read the bin per
// request. Shared through globalThis because changes arrive through Next's bundle
// while captures run in the custom server's copy of this module.
const settingsKey = Symbol.for("hookyard.binSettings");
type WithSettings = typeof globalThis & { [settingsKey]?: Map<string, BinSettings> };

function settingsCache(): Map<string, BinSettings> {
  const holder = globalThis as WithSettings;
  holder[settingsKey] ??= new Map();
  return holder[settingsKey];
}

type SignatureColumns = { signatureProvider: string | null; signatureSecrets: string | null; signatureOptions: string | null };

const signatureColumns = { signatureProvider: true, signatureSecrets: true, signatureOptions: true } as const;

function readSignature(binId: string, columns: SignatureColumns): SignatureConfig | null {
  if (!columns.signatureProvider) return null;
  const parsed = signatureConfigSchema.safeParse({
    provider: columns.signatureProvider,
    secrets: JSON.parse(columns.signatureSecrets ?? "[]"),
    options: JSON.parse(columns.signatureOptions ?? "{}"),
  });
  if (!parsed.success) {
    // Written through the same schema, so this means a hand-edited database.
    console.error(`[bins] ignoring the unreadable signature check of bin ${binId}`);
    return null;
  }
  return parsed.data;
}

// Per-process state shared by Next's bundles and the custom server, as above.
const creationLimiterKey = Symbol.for("hookyard.binCreationLimiter");
const visitsKey = Symbol.for("hookyard.binVisits");
type WithBinState = typeof globalThis & { [creationLimiterKey]?: RateLimiter | null; [visitsKey]?: Map<string, number> };

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
 * Creates a bin for the client at `clientIp`.
 * @throws AppError too_many_requests (with Retry-After) beyond BINS_PER_IP_PER_HOUR
 */
export async function createBin(clientIp: string): Promise<{ id: string; createdAt: Date }> {
  const waitMs = creationLimiter()?.take(clientIp) ?? 0;
  if (waitMs > 0) {
    throw new AppError("too_many_requests", `Too many bins created from this address; retry in ${retryAfterSeconds(waitMs)} s.`, {
      "Retry-After": retryAfterSeconds(waitMs),
    });
  }
  const bin = await getDb().bin.create({ data: { id: newBinId(), lastUsedAt: BigInt(Date.now()) } });
  settingsCache().set(bin.id, { signature: null });
  return bin;
}

/**
 * Records a dashboard visit, which keeps the bin from being swept as idle. Written at
 * most once per bin per tenth of BIN_IDLE_TTL (and per hour), so reloads cost nothing.
 */
export async function markBinVisited(binId: string, now: number = Date.now()): Promise<void> {
  const { binIdleTtlMs } = getConfig();
  if (binIdleTtlMs === 0) return;
  const holder = globalThis as WithBinState;
  const visits = (holder[visitsKey] ??= new Map());
  const last = visits.get(binId);
  if (last !== undefined && now - last < Math.min(3_600_000, binIdleTtlMs / 10)) return;
  visits.set(binId, now);
  await getDb().bin.updateMany({ where: { id: binId }, data: { lastUsedAt: BigInt(now) } });
}

/** The bin's settings, or null when it does not exist. Never throws for a missing bin. */
export async function getBinSettings(binId: string): Promise<BinSettings | null> {
  const cache = settingsCache();
  const cached = cache.get(binId);
  if (cached) return cached;
  const bin = await getDb().bin.findUnique({ where: { id: binId }, select: signatureColumns });
  if (!bin) return null;
  const settings = { signature: readSignature(binId, bin) };
  cache.set(binId, settings);
  return settings;
}

export async function binExists(binId: string): Promise<boolean> {
  return (await getBinSettings(binId)) !== null;
}

export async function findBin(binId: string): Promise<BinRecord | null> {
  const bin = await getDb().bin.findUnique({
    where: { id: binId },
    select: { id: true, createdAt: true, ...signatureColumns, _count: { select: { requests: true } } },
  });
  if (!bin) return null;
  return {
    id: bin.id,
    createdAt: bin.createdAt,
    requestCount: bin._count.requests,
    captureLimit: getConfig().maxCapturesPerBin,
    signature: toSignatureDto(readSignature(binId, bin)),
  };
}

/** @throws AppError not_found */
export async function getBinOrThrow(binId: string): Promise<BinRecord> {
  const bin = await findBin(binId);
  if (!bin) throw binNotFound(binId);
  return bin;
}

/**
 * Sets (or with null removes) the bin's signature check and judges its captures
 * again, so every verdict follows the current secret.
 * @throws AppError not_found
 */
export async function updateBinSignature(binId: string, signature: SignatureConfig | null): Promise<BinRecord> {
  const { count } = await getDb().bin.updateMany({
    where: { id: binId },
    data: signature
      ? { signatureProvider: signature.provider, signatureSecrets: JSON.stringify(signature.secrets), signatureOptions: JSON.stringify(signature.options) }
      : { signatureProvider: null, signatureSecrets: null, signatureOptions: null },
  });
  if (count === 0) throw binNotFound(binId);
  // Captures from now on are judged with the new check; the ones before, here.
  settingsCache().set(binId, { signature });
  await rejudgeBin(binId, signature);
  getEventBus().publish(binId, { type: "bin-updated", binId });
  return getBinOrThrow(binId);
}

/** Deletes the bin and, by cascade, its captures. @throws AppError not_found */
export async function deleteBin(binId: string): Promise<void> {
  // Forget it first: from here on new captures to it are refused.
  forgetBin(binId);
  const { count } = await getDb().bin.deleteMany({ where: { id: binId } });
  if (count === 0) throw binNotFound(binId);
  getEventBus().publish(binId, { type: "bin-deleted", binId });
}

/** Drops everything kept in memory about a bin that is being deleted. */
export function forgetBin(binId: string): void {
  settingsCache().delete(binId);
  forgetCaptureCount(binId);
  (globalThis as WithBinState)[visitsKey]?.delete(binId);
}

export function binNotFound(binId: string): AppError {
  return new AppError("not_found", `No bin with id ${binId}.`);
}
