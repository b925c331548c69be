import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { binAliasSchema } from "./aliases.ts";
import { maxRules, type ResponseRule, type ResponseSpec } from "./responses.ts";
import { responseRuleSchema, responseSpecSchema } from "./validations/responses.ts";
import { binIdForAlias, binIdPattern } from "./server/ids.ts";
import { type SignatureConfig, signatureConfigSchema } from "./server/signatures/index.ts";

/**
 * Every environment variable Hookyard reads, validated once. Importing this module
 * never throws; `loadConfig` does, with a message naming the bad variable, so the
 * server fails fast at boot instead of misbehaving later.
 */
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const booleanFlag = z
  .enum(["true", "false", "1", "0", ""])
  .default("false")
  .transform((value) => value === "true" || value === "1");

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATABASE_URL: z
    .string()
    .regex(/^file:.+/, "must be a SQLite file URL such as file:./data/hookyard.db")
    .default("file:./data/hookyard.db"),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/, message: "must be an absolute http(s) URL such as https://hooks.example.com" })
    .transform((url) => url.replace(/\/+$/, ""))
    .optional(),
  MAX_BODY_BYTES: positiveInt(10 * 1024 * 1024),
  TRUST_PROXY: booleanFlag,
  SSE_HEARTBEAT_MS: positiveInt(15_000),
  /** Captures waiting for their group commit; beyond this the server answers 503. */
  MAX_PENDING_CAPTURES: positiveInt(10_000),
  /** Body bytes held in memory across all captures in progress; beyond this, 503. */
  MAX_BUFFERED_BODY_BYTES: positiveInt(256 * 1024 * 1024),
  /** JSON array of bins that exist with these settings after every start. */
  HOOKYARD_BINS: z.string().optional(),
  /** Path of a JSON file holding the same array. */
  HOOKYARD_BINS_FILE: z.string().optional(),
});

/** A bin declared in configuration: it exists with exactly these settings after every start. */
export type ConfiguredBin = {
  id: string;
  alias: string | null;
  signature: SignatureConfig | null;
  response: ResponseSpec | null;
  rules: ResponseRule[];
};

const configuredBinSchema = z
  .strictObject({
    id: z.string().regex(binIdPattern, "must be 22 base64url characters, like the ids Hookyard makes").optional(),
    alias: binAliasSchema.optional(),
    signature: signatureConfigSchema.nullable().default(null),
    response: responseSpecSchema.nullable().default(null),
    rules: z.array(responseRuleSchema).max(maxRules, `at most ${maxRules} rules`).default([]),
  })
  .refine((bin) => bin.id !== undefined || bin.alias !== undefined, "give the bin an id, an alias or both")
  .transform(
    (bin): ConfiguredBin => ({
      // An alias alone still gives the same id on every start (and every machine).
      id: bin.id ?? binIdForAlias(bin.alias!),
      alias: bin.alias ?? null,
      signature: bin.signature,
      response: bin.response,
      rules: bin.rules,
    }),
  );

const configuredBinsSchema = z.array(configuredBinSchema).superRefine((bins, ctx) => {
  const seen = { id: new Set<string>(), alias: new Set<string>() };
  bins.forEach((bin, index) => {
    if (seen.id.has(bin.id)) ctx.addIssue({ code: "custom", path: [index, "id"], message: `bin ${bin.id} is declared twice` });
    if (bin.alias && seen.alias.has(bin.alias)) ctx.addIssue({ code: "custom", path: [index, "alias"], message: `alias ${bin.alias} is declared twice` });
    seen.id.add(bin.id);
    if (bin.alias) seen.alias.add(bin.alias);
  });
});

/** Parses one source of configured bins (`label` names it in errors). @throws ConfigError */
function parseBinsJson(text: string, label: string): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`Invalid configuration:\n  ${label}: not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(value)) throw new ConfigError(`Invalid configuration:\n  ${label}: must be a JSON array of bins`);
  return value;
}

function readConfiguredBins(inline: string | undefined, file: string | undefined): ConfiguredBin[] {
  const entries: unknown[] = [];
  const labels: string[] = [];
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(path.resolve(file), "utf8");
    } catch (error) {
      throw new ConfigError(`Invalid configuration:\n  HOOKYARD_BINS_FILE: cannot read ${file} (${(error as Error).message})`);
    }
    for (const entry of parseBinsJson(text, `HOOKYARD_BINS_FILE (${file})`)) {
      labels.push(`HOOKYARD_BINS_FILE[${labels.length}]`);
      entries.push(entry);
    }
  }
  if (inline !== undefined) {
    const start = labels.length;
    for (const entry of parseBinsJson(inline, "HOOKYARD_BINS")) {
      labels.push(`HOOKYARD_BINS[${labels.length - start}]`);
      entries.push(entry);
    }
  }
  const parsed = configuredBinsSchema.safeParse(entries);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 10).map((issue) => {
      const [index, ...rest] = issue.path;
      const where = typeof index === "number" ? labels[index] : "bins";
      return `${where}${rest.length ? `.${rest.join(".")}` : ""}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  return parsed.data;
}

export type Config = {
  env: "development" | "production" | "test";
  port: number;
  host: string;
  /** Absolute path of the SQLite file. */
  databaseFile: string;
  publicUrl: string | undefined;
  maxBodyBytes: number;
  trustProxy: boolean;
  sseHeartbeatMs: number;
  maxPendingCaptures: number;
  maxBufferedBodyBytes: number;
  /** From HOOKYARD_BINS_FILE then HOOKYARD_BINS; upserted at every start. */
  bins: ConfiguredBin[];
};

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings come from `VAR=` lines in shells and .env files: treat them as unset.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  const values = parsed.data;
  if (values.MAX_BUFFERED_BODY_BYTES < values.MAX_BODY_BYTES) {
    throw new ConfigError("Invalid configuration:\n  MAX_BUFFERED_BODY_BYTES: must be at least MAX_BODY_BYTES, or no body of the maximum size could be accepted");
  }
  return {
    env: values.NODE_ENV,
    port: values.PORT,
    host: values.HOST,
    databaseFile: path.resolve(values.DATABASE_URL.slice("file:".length)),
    publicUrl: values.PUBLIC_URL,
    maxBodyBytes: values.MAX_BODY_BYTES,
    trustProxy: values.TRUST_PROXY,
    sseHeartbeatMs: values.SSE_HEARTBEAT_MS,
    maxPendingCaptures: values.MAX_PENDING_CAPTURES,
    maxBufferedBodyBytes: values.MAX_BUFFERED_BODY_BYTES,
    bins: readConfiguredBins(values.HOOKYARD_BINS, values.HOOKYARD_BINS_FILE),
  };
}

const configKey = Symbol.for("hookyard.config");
type WithConfig = typeof globalThis & { [configKey]?: Config };

/** The process-wide configuration, loaded on first use. */
export function getConfig(): Config {
  const holder = globalThis as WithConfig;
  holder[configKey] ??= loadConfig();
  return holder[configKey];
}
