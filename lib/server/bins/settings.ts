import { isBinAlias } from "../../aliases.ts";
import { noResponseSettings, type ResponseSettings } from "../../responses.ts";
import { responseSettingsSchema } from "../../validations/responses.ts";
import { getDb } from "../storage/sqlite/client.ts";
import { type SignatureConfig, signatureConfigSchema } from "../signatures/index.ts";
import { isBinId } from "./ids.ts";

/**
 * What the capture path needs to know about each bin, read from the database once and
 * kept in memory: its signature check, alias, answers, auto-forward and capture limit.
 * Writers (bins.ts, declared.ts) refresh it through `loadSettings`/`remember`.
 */

/** Where each new capture is sent on its own; null while auto-forward is off. */
export type AutoForwardSetting = { url: string; maxAttempts: number };

/** What the capture path needs to know about a bin, kept in memory. */
export type BinSettings = {
  signature: SignatureConfig | null;
  alias: string | null;
  responses: ResponseSettings;
  autoForward: AutoForwardSetting | null;
  /** Captures the bin keeps; null for MAX_CAPTURES_PER_BIN. */
  maxCaptures: number | null;
};

// Settings of bins known to exist (and which bin each alias names), so the capture hot
// path does not read the bin per request. Shared through globalThis because changes
// arrive through Next's bundle while captures run in the custom server's copy of this module.
const settingsKey = Symbol.for("hookyard.binSettings");
const aliasesKey = Symbol.for("hookyard.binAliases");
type WithSettings = typeof globalThis & { [settingsKey]?: Map<string, BinSettings>; [aliasesKey]?: Map<string, string> };

export function settingsCache(): Map<string, BinSettings> {
  const holder = globalThis as WithSettings;
  holder[settingsKey] ??= new Map();
  return holder[settingsKey];
}

export function aliasCache(): Map<string, string> {
  const holder = globalThis as WithSettings;
  holder[aliasesKey] ??= new Map();
  return holder[aliasesKey];
}

export type SignatureColumns = { signatureProvider: string | null; signatureSecrets: string | null; signatureOptions: string | null };
type ResponseColumns = { response: string | null; rules: string } | null;

export const settingsColumns = {
  signatureProvider: true,
  signatureSecrets: true,
  signatureOptions: true,
  maxCaptures: true,
  alias: { select: { alias: true } },
  response: { select: { response: true, rules: true } },
  autoForward: { select: { url: true, enabled: true, maxAttempts: true } },
} as const;

export type AutoForwardRow = { url: string; enabled: boolean; maxAttempts: number } | null;

type SettingsColumns = SignatureColumns & {
  maxCaptures: number | null;
  alias: { alias: string } | null;
  response: ResponseColumns;
  autoForward: AutoForwardRow;
};

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

export function readSettings(binId: string, columns: SettingsColumns): BinSettings {
  return {
    signature: readSignature(binId, columns),
    alias: columns.alias?.alias ?? null,
    responses: readResponses(binId, columns.response),
    autoForward: readAutoForward(columns.autoForward),
    maxCaptures: columns.maxCaptures,
  };
}

/** Puts fresh settings in the cache and keeps the alias map in step with them. */
export function remember(binId: string, settings: BinSettings): BinSettings {
  const previous = settingsCache().get(binId);
  if (previous?.alias && previous.alias !== settings.alias) aliasCache().delete(previous.alias);
  settingsCache().set(binId, settings);
  if (settings.alias) aliasCache().set(settings.alias, binId);
  return settings;
}

export async function loadSettings(binId: string): Promise<BinSettings | null> {
  const bin = await getDb().bin.findUnique({ where: { id: binId }, select: settingsColumns });
  return bin ? remember(binId, readSettings(binId, bin)) : null;
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

export function signatureColumns(signature: SignatureConfig | null): SignatureColumns {
  return signature
    ? { signatureProvider: signature.provider, signatureSecrets: JSON.stringify(signature.secrets), signatureOptions: JSON.stringify(signature.options) }
    : { signatureProvider: null, signatureSecrets: null, signatureOptions: null };
}

/** Drops a bin's cached settings and the alias that pointed at it. */
export function forgetSettings(binId: string): void {
  const previous = settingsCache().get(binId);
  if (previous?.alias) aliasCache().delete(previous.alias);
  settingsCache().delete(binId);
}

/**
 * The bin's signature check as stored now, for a re-judge about to start. Read afresh
 * (not from the in-memory settings, which two PATCHes racing may have left with the
 * older check) and remembered, so captures from now on follow the same check.
 */
export async function currentSignature(binId: string): Promise<SignatureConfig | null> {
  return (await loadSettings(binId))?.signature ?? null;
}
