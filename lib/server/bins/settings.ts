import { isBinAlias } from "../../aliases.ts";
import type { ResponseSettings } from "../../responses.ts";
import { getStorage } from "../storage/storage.ts";
import type { SignatureConfig } from "../signatures/index.ts";
import { isBinId } from "./ids.ts";

/**
 * What the capture path needs to know about each bin, read from the database once and
 * kept in memory: its signature check, alias, answers, auto-forward, capture limit and CORS switch.
 * Writers (bins.ts, declared.ts) refresh it through `loadSettings`/`remember`. How they
 * are kept in the database is the storage's business (storage/prisma/bin-settings.ts).
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
  /** Whether CORS preflights are answered and answers carry Access-Control-Allow-Origin (capture/cors.ts). */
  cors: boolean;
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

/** Puts fresh settings in the cache and keeps the alias map in step with them. */
export function remember(binId: string, settings: BinSettings): BinSettings {
  const previous = settingsCache().get(binId);
  if (previous?.alias && previous.alias !== settings.alias) aliasCache().delete(previous.alias);
  settingsCache().set(binId, settings);
  if (settings.alias) aliasCache().set(settings.alias, binId);
  return settings;
}

export async function loadSettings(binId: string): Promise<BinSettings | null> {
  const settings = await getStorage().bins.loadSettings(binId);
  return settings ? remember(binId, settings) : null;
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
      const named = await getStorage().bins.resolveAlias(segment);
      if (!named) return null;
      binId = named;
    }
  }
  const settings = await getBinSettings(binId);
  return settings ? { binId, settings } : null;
}

export async function binExists(binId: string): Promise<boolean> {
  return (await getBinSettings(binId)) !== null;
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
