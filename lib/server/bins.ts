import { getConfig } from "../config.ts";
import type { BinForwardDto, BinSignatureDto } from "../types.ts";
import { type BinForwardInput, defaultForwardMaxAttempts } from "../validations/bins.ts";
import { forgetCaptureCount } from "./capture-counts.ts";
import { getDb } from "./db.ts";
import { AppError } from "./errors.ts";
import { getEventBus } from "./events.ts";
import { newBinId } from "./ids.ts";
import { RateLimiter, retryAfterSeconds } from "./rate-limit.ts";
import { rejudgeBin, toSignatureDto } from "./signature-checks.ts";
import { type SignatureConfig, signatureConfigSchema } from "./signatures/index.ts";

/** Where each new capture is sent on its own; null while auto-forward is off. */
export type AutoForwardSetting = { url: string; maxAttempts: number };

/** What the capture path needs to know about a bin, kept in memory. */
export type BinSettings = { signature: SignatureConfig | null; autoForward: AutoForwardSetting | null };

export type BinRecord = {
  id: string;
  createdAt: Date;
  requestCount: number;
  /** How many captures the bin keeps (MAX_CAPTURES_PER_BIN); older ones are pruned. */
  captureLimit: number;
  signature: BinSignatureDto | null;
  forward: BinForwardDto | null;
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

const autoForwardColumns = { autoForward: { select: { url: true, enabled: true, maxAttempts: true } } } as const;

type AutoForwardRow = { url: string; enabled: boolean; maxAttempts: number } | null;

function readAutoForward(row: AutoForwardRow): AutoForwardSetting | null {
  return row?.enabled ? { url: row.url, maxAttempts: row.maxAttempts } : null;
}

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
  settingsCache().set(bin.id, { signature: null, autoForward: null });
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
  const bin = await getDb().bin.findUnique({ where: { id: binId }, select: { ...signatureColumns, ...autoForwardColumns } });
  if (!bin) return null;
  const settings = { signature: readSignature(binId, bin), autoForward: readAutoForward(bin.autoForward) };
  cache.set(binId, settings);
  return settings;
}

export async function binExists(binId: string): Promise<boolean> {
  return (await getBinSettings(binId)) !== null;
}

export async function findBin(binId: string): Promise<BinRecord | null> {
  const bin = await getDb().bin.findUnique({
    where: { id: binId },
    select: { id: true, createdAt: true, forwardUrl: true, ...signatureColumns, ...autoForwardColumns, _count: { select: { requests: true } } },
  });
  if (!bin) return null;
  return {
    id: bin.id,
    createdAt: bin.createdAt,
    requestCount: bin._count.requests,
    captureLimit: getConfig().maxCapturesPerBin,
    signature: toSignatureDto(readSignature(binId, bin)),
    forward: toForwardDto(bin.forwardUrl, bin.autoForward),
  };
}

/** While auto-forward is on, its target; while off, the target last used by hand (the remembered one). */
function toForwardDto(rememberedUrl: string | null, auto: AutoForwardRow): BinForwardDto | null {
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
  await updateCachedSettings(binId, { signature });
  await rejudgeBin(binId, signature);
  getEventBus().publish(binId, { type: "bin-updated", binId });
  return getBinOrThrow(binId);
}

/**
 * Remembers (or with null forgets) the bin's forwarding target, and with it the
 * auto-forward setting: `enabled` and `maxAttempts` keep their current values when
 * left out. Captures from now on follow the new setting.
 * @throws AppError not_found
 */
export async function updateBinForward(binId: string, forward: BinForwardInput | null): Promise<BinRecord> {
  const db = getDb();
  const { count } = await db.bin.updateMany({ where: { id: binId }, data: { forwardUrl: forward?.url ?? null } });
  if (count === 0) throw binNotFound(binId);
  let setting: AutoForwardRow = null;
  if (forward) {
    const current = await db.autoForward.findUnique({ where: { binId } });
    const enabled = forward.enabled ?? current?.enabled ?? false;
    const maxAttempts = forward.maxAttempts ?? current?.maxAttempts ?? defaultForwardMaxAttempts;
    setting = await db.autoForward.upsert({
      where: { binId },
      create: { binId, url: forward.url, enabled, maxAttempts },
      update: { url: forward.url, enabled, maxAttempts },
    });
  } else {
    await db.autoForward.deleteMany({ where: { binId } });
  }
  await updateCachedSettings(binId, { autoForward: readAutoForward(setting) });
  getEventBus().publish(binId, { type: "bin-updated", binId });
  return getBinOrThrow(binId);
}

/** Changes part of a bin's cached settings; the rest is read first when not cached. */
async function updateCachedSettings(binId: string, changes: Partial<BinSettings>): Promise<void> {
  const current = await getBinSettings(binId);
  if (current) settingsCache().set(binId, { ...current, ...changes });
}

/**
 * Applies a PATCH: each setting present is changed, the others are left as they are.
 * @throws AppError not_found
 */
export async function updateBin(
  binId: string,
  changes: { signature?: SignatureConfig | null; forward?: BinForwardInput | null },
): Promise<BinRecord> {
  let bin: BinRecord | null = null;
  if (changes.forward !== undefined) bin = await updateBinForward(binId, changes.forward);
  if (changes.signature !== undefined) bin = await updateBinSignature(binId, changes.signature);
  return bin ?? getBinOrThrow(binId);
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
