import type { ConfiguredBin } from "../config.ts";
import { isBinAlias } from "../aliases.ts";
import { noResponseSettings, type ResponseRule, type ResponseSettings, type ResponseSpec } from "../responses.ts";
import { responseSettingsSchema } from "../validations/responses.ts";
import type { BinSignatureDto } from "../types.ts";
import { getDb } from "./db.ts";
import { AppError } from "./errors.ts";
import { getEventBus } from "./events.ts";
import { isBinId, newBinId } from "./ids.ts";
import { rejudgeBin, toSignatureDto } from "./signature-checks.ts";
import { type SignatureConfig, signatureConfigSchema } from "./signatures/index.ts";

/** What the capture path needs to know about a bin, kept in memory. */
export type BinSettings = { signature: SignatureConfig | null; alias: string | null; responses: ResponseSettings };

export type BinRecord = {
  id: string;
  createdAt: Date;
  requestCount: number;
  signature: BinSignatureDto | null;
  alias: string | null;
  responses: ResponseSettings;
};

// Settings of bins known to exist (and which bin each alias names), so the capture hot
// path does not read the bin per request. Shared through globalThis because changes
// arrive through Next's bundle while captures run in the custom server's copy of this module.
const settingsKey = Symbol.for("hookyard.binSettings");
const aliasesKey = Symbol.for("hookyard.binAliases");
type WithSettings = typeof globalThis & { [settingsKey]?: Map<string, BinSettings>; [aliasesKey]?: Map<string, string> };

function settingsCache(): Map<string, BinSettings> {
  const holder = globalThis as WithSettings;
  holder[settingsKey] ??= new Map();
  return holder[settingsKey];
}

function aliasCache(): Map<string, string> {
  const holder = globalThis as WithSettings;
  holder[aliasesKey] ??= new Map();
  return holder[aliasesKey];
}

type SignatureColumns = { signatureProvider: string | null; signatureSecrets: string | null; signatureOptions: string | null };
type ResponseColumns = { response: string | null; rules: string } | null;

const settingsColumns = {
  signatureProvider: true,
  signatureSecrets: true,
  signatureOptions: true,
  alias: { select: { alias: true } },
  response: { select: { response: true, rules: true } },
} as const;

type SettingsColumns = SignatureColumns & { alias: { alias: string } | null; response: ResponseColumns };

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

function readResponses(binId: string, columns: ResponseColumns): ResponseSettings {
  if (!columns) return noResponseSettings;
  const parsed = responseSettingsSchema.safeParse({ response: JSON.parse(columns.response ?? "null"), rules: JSON.parse(columns.rules) });
  if (!parsed.success) {
    // Written through the same schema, so this means a hand-edited database.
    console.error(`[bins] ignoring the unreadable responses of bin ${binId}`);
    return noResponseSettings;
  }
  return parsed.data;
}

function readSettings(binId: string, columns: SettingsColumns): BinSettings {
  return { signature: readSignature(binId, columns), alias: columns.alias?.alias ?? null, responses: readResponses(binId, columns.response) };
}

/** Puts fresh settings in the cache and keeps the alias map in step with them. */
function remember(binId: string, settings: BinSettings): BinSettings {
  const previous = settingsCache().get(binId);
  if (previous?.alias && previous.alias !== settings.alias) aliasCache().delete(previous.alias);
  settingsCache().set(binId, settings);
  if (settings.alias) aliasCache().set(settings.alias, binId);
  return settings;
}

function forget(binId: string): void {
  const previous = settingsCache().get(binId);
  if (previous?.alias) aliasCache().delete(previous.alias);
  settingsCache().delete(binId);
}

async function loadSettings(binId: string): Promise<BinSettings | null> {
  const bin = await getDb().bin.findUnique({ where: { id: binId }, select: settingsColumns });
  return bin ? remember(binId, readSettings(binId, bin)) : null;
}

export async function createBin(): Promise<{ id: string; createdAt: Date }> {
  const bin = await getDb().bin.create({ data: { id: newBinId() } });
  remember(bin.id, { signature: null, alias: null, responses: noResponseSettings });
  return bin;
}

/** The bin's settings, or null when it does not exist. Never throws for a missing bin. */
export async function getBinSettings(binId: string): Promise<BinSettings | null> {
  return settingsCache().get(binId) ?? (await loadSettings(binId));
}

/**
 * The bin named by the first segment of `/b/{segment}`: a bin id or an alias.
 * Null when it names no bin. Never throws for a missing bin.
 */
export async function resolveBin(segment: string): Promise<{ binId: string; settings: BinSettings } | null> {
  let binId: string | undefined = segment;
  if (!isBinId(segment)) {
    if (!isBinAlias(segment)) return null;
    binId = aliasCache().get(segment);
    if (!binId) {
      const row = await getDb().binAlias.findUnique({ where: { alias: segment }, select: { binId: true } });
      if (!row) return null;
      binId = row.binId;
    }
  }
  const settings = await getBinSettings(binId);
  return settings ? { binId, settings } : null;
}

export async function binExists(binId: string): Promise<boolean> {
  return (await getBinSettings(binId)) !== null;
}

export async function findBin(binId: string): Promise<BinRecord | null> {
  const bin = await getDb().bin.findUnique({
    where: { id: binId },
    select: { id: true, createdAt: true, ...settingsColumns, _count: { select: { requests: true } } },
  });
  if (!bin) return null;
  const settings = readSettings(binId, bin);
  return {
    id: bin.id,
    createdAt: bin.createdAt,
    requestCount: bin._count.requests,
    signature: toSignatureDto(settings.signature),
    alias: settings.alias,
    responses: settings.responses,
  };
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
};

/**
 * Applies the changes together (the alias first, as the only one that can be refused),
 * refreshes the in-memory settings and, when the signature check changed, judges the
 * bin's captures again so every verdict follows the current secret.
 * @throws AppError not_found, AppError conflict when another bin has the alias
 */
export async function updateBin(binId: string, changes: BinChanges): Promise<BinRecord> {
  const db = getDb();
  const current = await getBinSettings(binId);
  if (!current) throw binNotFound(binId);
  await db.$transaction(async (tx) => {
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
      const response = changes.response === undefined ? current.responses.response : changes.response;
      const rules = changes.rules ?? current.responses.rules;
      const columns = { response: response ? JSON.stringify(response) : null, rules: JSON.stringify(rules) };
      await tx.binResponse.upsert({ where: { binId }, create: { binId, ...columns }, update: columns });
    }
    if (changes.signature !== undefined) {
      await tx.bin.update({ where: { id: binId }, data: signatureColumns(changes.signature) });
    }
  });
  // Captures from now on follow the new settings; the ones before are judged below.
  const settings = await loadSettings(binId);
  if (!settings) throw binNotFound(binId);
  if (changes.signature !== undefined) await rejudgeBin(binId, settings.signature);
  getEventBus().publish(binId, { type: "bin-updated", binId });
  return getBinOrThrow(binId);
}

function signatureColumns(signature: SignatureConfig | null): SignatureColumns {
  return signature
    ? { signatureProvider: signature.provider, signatureSecrets: JSON.stringify(signature.secrets), signatureOptions: JSON.stringify(signature.options) }
    : { signatureProvider: null, signatureSecrets: null, signatureOptions: null };
}

/**
 * Makes each configured bin exist with exactly its configured settings; an alias held
 * by another bin moves to the configured one. Captures are judged again only when the
 * signature check differs from the stored one. Run at start-up, before listening.
 */
export async function applyConfiguredBins(bins: readonly ConfiguredBin[]): Promise<void> {
  const db = getDb();
  for (const bin of bins) {
    const before = await getBinSettings(bin.id);
    await db.$transaction(async (tx) => {
      await tx.bin.upsert({ where: { id: bin.id }, create: { id: bin.id, ...signatureColumns(bin.signature) }, update: signatureColumns(bin.signature) });
      await tx.binAlias.deleteMany({ where: bin.alias ? { OR: [{ binId: bin.id }, { alias: bin.alias }] } : { binId: bin.id } });
      if (bin.alias) await tx.binAlias.create({ data: { binId: bin.id, alias: bin.alias } });
      const columns = { response: bin.response ? JSON.stringify(bin.response) : null, rules: JSON.stringify(bin.rules) };
      await tx.binResponse.upsert({ where: { binId: bin.id }, create: { binId: bin.id, ...columns }, update: columns });
    });
    // The alias may have come from another bin whose cached settings still name it.
    if (bin.alias) {
      const previousHolder = aliasCache().get(bin.alias);
      if (previousHolder && previousHolder !== bin.id) settingsCache().delete(previousHolder);
    }
    const settings = await loadSettings(bin.id);
    if (before && settings && JSON.stringify(before.signature) !== JSON.stringify(settings.signature)) {
      await rejudgeBin(bin.id, settings.signature);
    }
  }
}

/** Deletes the bin and, by cascade, its captures. @throws AppError not_found */
export async function deleteBin(binId: string): Promise<void> {
  // Forget it first: from here on new captures to it are refused.
  forget(binId);
  const { count } = await getDb().bin.deleteMany({ where: { id: binId } });
  if (count === 0) throw binNotFound(binId);
  getEventBus().publish(binId, { type: "bin-deleted", binId });
}

export function binNotFound(binId: string): AppError {
  return new AppError("not_found", `No bin with id ${binId}.`);
}
