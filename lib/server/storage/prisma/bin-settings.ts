import { noResponseSettings, type ResponseSettings, type ResponseSpec, type ResponseRule } from "../../../responses.ts";
import { responseSettingsSchema } from "../../../validations/responses.ts";
import type { AutoForwardSetting, BinSettings } from "../../bins/settings.ts";
import { type SignatureConfig, signatureConfigSchema } from "../../signatures/index.ts";
import type { StoredAutoForward } from "../storage.ts";

/**
 * How a bin's settings are kept in its columns: the signature check and the answers as
 * JSON text, validated by the same schemas on the way back. Written and read only here.
 */

export const settingsColumns = {
  signatureProvider: true,
  signatureSecrets: true,
  signatureOptions: true,
  maxCaptures: true,
  cors: true,
  alias: { select: { alias: true } },
  response: { select: { response: true, rules: true } },
  autoForward: { select: { url: true, enabled: true, maxAttempts: true } },
} as const;

type SignatureColumns = { signatureProvider: string | null; signatureSecrets: string | null; signatureOptions: string | null };
type ResponseColumns = { response: string | null; rules: string };

export type SettingsRow = SignatureColumns & {
  maxCaptures: number | null;
  cors: boolean;
  alias: { alias: string } | null;
  response: ResponseColumns | null;
  autoForward: StoredAutoForward;
};

function readAutoForward(row: StoredAutoForward): AutoForwardSetting | null {
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

function readResponses(binId: string, columns: ResponseColumns | null): ResponseSettings {
  if (!columns) return noResponseSettings;
  const parsed = responseSettingsSchema.safeParse({ response: JSON.parse(columns.response ?? "null"), rules: JSON.parse(columns.rules) });
  if (!parsed.success) {
    // Written through the same schema, so this means a hand-edited database.
    console.error(`[bins] ignoring the unreadable responses of bin ${binId}`);
    return noResponseSettings;
  }
  return parsed.data;
}

export function readSettings(binId: string, row: SettingsRow): BinSettings {
  return {
    signature: readSignature(binId, row),
    alias: row.alias?.alias ?? null,
    responses: readResponses(binId, row.response),
    autoForward: readAutoForward(row.autoForward),
    maxCaptures: row.maxCaptures,
    cors: row.cors,
  };
}

export function signatureColumns(signature: SignatureConfig | null): SignatureColumns {
  return signature
    ? { signatureProvider: signature.provider, signatureSecrets: JSON.stringify(signature.secrets), signatureOptions: JSON.stringify(signature.options) }
    : { signatureProvider: null, signatureSecrets: null, signatureOptions: null };
}

export function responseColumns(response: ResponseSpec | null, rules: readonly ResponseRule[]): ResponseColumns {
  return { response: response ? JSON.stringify(response) : null, rules: JSON.stringify(rules) };
}
