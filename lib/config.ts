import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import path from "node:path";
import { z } from "zod";
import { binAliasSchema } from "./aliases.ts";
import { maxRules, type ResponseRule, type ResponseSpec } from "./responses.ts";
import { type AddressRule, isLoopbackListener, parseAddressAllowList } from "./server/forwarding/forward-policy.ts";
import { namesThisMachine } from "./server/http/local-only.ts";
import { binIdForAlias, binIdPattern } from "./server/bins/ids.ts";
import { type SignatureConfig, signatureConfigSchema } from "./server/signatures/index.ts";
import { parseTrustProxy, type TrustProxy } from "./server/http/trust-proxy.ts";
import { binMaxCapturesSchema } from "./validations/bins.ts";
import { responseRuleSchema, responseSettingsProblems, responseSpecSchema } from "./validations/responses.ts";

/**
 * Every environment variable Hookyard reads, validated once. Importing this module
 * never throws; `loadConfig` does, with a message naming the bad variable, so the
 * server fails fast at boot instead of misbehaving later.
 */
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const nonNegativeInt = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

const durationUnits = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `7d`, `12h`, `30m`, `45s`, `500ms`, or a bare number of seconds; `0` turns the limit off. */
const duration = (fallback: string) =>
  z
    .string()
    .regex(/^\d+(ms|s|m|h|d)?$/, "must be a duration such as 7d, 12h, 30m, 45s or 500ms (0 turns it off)")
    .default(fallback)
    .transform((value) => {
      const [, amount, unit] = /^(\d+)(ms|s|m|h|d)?$/.exec(value)!;
      return Number(amount) * durationUnits[(unit ?? "s") as keyof typeof durationUnits];
    });

const baseUrl = (example: string) =>
  z
    .url({ protocol: /^https?$/, message: `must be an absolute http(s) URL such as ${example}` })
    .transform((url) => url.replace(/\/+$/, ""))
    .optional();

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Loopback by default: reaching Hookyard from other machines is a choice (see FORWARD_ALLOW_ADDRESSES). */
  HOST: z.string().min(1).default("127.0.0.1"),
  /** `file:` → SQLite (the embedded default); `postgres://` or `postgresql://` → PostgreSQL. */
  DATABASE_URL: z
    .string()
    .default("file:./data/hookyard.db")
    .transform((text, ctx): DatabaseConfig => {
      const database = parseDatabaseUrl(text);
      if (!database) {
        // The value may hold a password: the message never echoes it.
        ctx.addIssue({
          code: "custom",
          message:
            "must be a SQLite file URL such as file:./data/hookyard.db, or a PostgreSQL URL such as postgres://hookyard:password@127.0.0.1:5432/hookyard",
        });
        return z.NEVER;
      }
      return database;
    }),
  PUBLIC_URL: baseUrl("https://hooks.example.com"),
  /** Base of the capture URLs handed out, on a host of their own that serves nothing but capture. */
  CAPTURE_URL: baseUrl("https://hooks-capture.example.net"),
  MAX_BODY_BYTES: positiveInt(10 * 1024 * 1024),
  /**
   * Body bytes of any request handed to the dashboard and API, refused with 413 while
   * it is read. 4 MiB holds the largest settings a bin takes (50 rules and a default,
   * each with a 64 KiB body) with room for JSON escaping.
   */
  API_MAX_BODY_BYTES: positiveInt(4 * 1024 * 1024),
  /**
   * Most bytes a Content-Encoding (gzip, deflate, br) may expand a body to when the
   * dashboard shows it decoded; beyond it the view says so and shows the bytes as
   * received. 16 MiB holds a 10 MiB body of text that compressed little and more than a
   * browser's JSON tree shows well, while a zip bomb stops after writing that much.
   */
  MAX_DECODED_BODY_BYTES: positiveInt(16 * 1024 * 1024),
  /** Which hops in front are proxies of ours: false, true, a number of hops, or addresses and CIDRs. */
  TRUST_PROXY: z
    .string()
    .default("false")
    .transform((text, ctx) => {
      const parsed = parseTrustProxy(text);
      if ("problem" in parsed) {
        ctx.addIssue({ code: "custom", message: parsed.problem });
        return z.NEVER;
      }
      return parsed;
    }),
  /** Live streams one client IP may hold open, and all clients together; beyond them 429 / 503. */
  MAX_STREAMS_PER_IP: positiveInt(50),
  MAX_STREAMS: positiveInt(10_000),
  /** Body bytes each bin keeps; the oldest captures are pruned to stay within it. 0 turns it off. */
  MAX_BIN_BYTES: nonNegativeInt(100 * 1024 * 1024),
  /** Largest the SQLite file may grow (PRAGMA max_page_count); past it captures answer 507. 0: no cap. SQLite only. */
  MAX_DATABASE_BYTES: nonNegativeInt(0),
  SSE_HEARTBEAT_MS: positiveInt(15_000),
  /** Captures waiting for their group commit; beyond this the server answers 503. */
  MAX_PENDING_CAPTURES: positiveInt(10_000),
  /** Body bytes held in memory across all captures in progress (and delayed answers); beyond this, 503. */
  MAX_BUFFERED_BODY_BYTES: positiveInt(256 * 1024 * 1024),
  /** Captures kept per bin; the oldest are pruned as new ones arrive. */
  MAX_CAPTURES_PER_BIN: positiveInt(1_000),
  /** Captures older than this are swept; 0 keeps them. */
  CAPTURE_TTL: duration("7d"),
  /** Bins with no capture and no dashboard visit for this long are swept; 0 keeps them. */
  BIN_IDLE_TTL: duration("30d"),
  SWEEP_INTERVAL_MS: positiveInt(60_000),
  /** Captures per second per bin (token bucket); 0 turns the limit off. */
  RATE_LIMIT_PER_SECOND: nonNegativeInt(50),
  RATE_LIMIT_BURST: positiveInt(200),
  /** Bins one client IP may create per hour; 0 turns the limit off. */
  BINS_PER_IP_PER_HOUR: nonNegativeInt(100),
  /** Failed attempts to open a bin (wrong token, unknown bin or alias) per client IP per minute; 0 turns the limit off. */
  AUTH_FAILURES_PER_MINUTE: nonNegativeInt(30),
  /** Time a client has to send the request head, then the whole request (slowloris). */
  HEADERS_TIMEOUT_MS: positiveInt(30_000),
  REQUEST_TIMEOUT_MS: positiveInt(120_000),
  /**
   * Largest request head (request line and every header) accepted, then 431: Node's
   * maxHeaderSize. Every header within it is kept, however many. Held per connection
   * while the head arrives, so it stays well below a body's limit.
   */
  MAX_HEADER_BYTES: z.coerce
    .number()
    .int()
    .min(1024, "must be at least 1024 (a head needs its request line and Host)")
    .max(1024 * 1024, "must be at most 1048576 (1 MiB)")
    .default(64 * 1024),
  /** Whole exchange with a forwarding target, connect to last body byte. */
  FORWARD_TIMEOUT_MS: positiveInt(30_000),
  /** Bytes of a target's answer body kept; the rest is dropped and the attempt marked truncated. */
  FORWARD_MAX_RESPONSE_BYTES: positiveInt(1024 * 1024),
  /** First auto-forward retry waits about this long; each later one twice as long as the one before. */
  FORWARD_RETRY_BASE_MS: positiveInt(1_000),
  /** Longest wait before an auto-forward retry, Retry-After included. */
  FORWARD_RETRY_MAX_MS: positiveInt(5 * 60_000),
  /** Auto-forward deliveries in flight at once, across all bins. */
  FORWARD_CONCURRENCY: positiveInt(8),
  /** Forwards by hand (POST …/forward) in flight at once across all bins, and per bin; beyond them 429. */
  FORWARD_MANUAL_CONCURRENCY: positiveInt(16),
  FORWARD_MANUAL_CONCURRENCY_PER_BIN: positiveInt(4),
  /** Address ranges forwarding may connect to: keywords and CIDRs, comma-separated; unset: derived from HOST. */
  FORWARD_ALLOW_ADDRESSES: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return undefined;
      const parsed = parseAddressAllowList(text);
      if ("problem" in parsed) {
        ctx.addIssue({ code: "custom", message: parsed.problem });
        return z.NEVER;
      }
      return parsed.rules;
    }),
  /** Host names forwarding may target (`*.example.com` matches subdomains); unset means any. */
  FORWARD_ALLOW_HOSTS: z
    .string()
    .optional()
    .transform((text) =>
      text
        ? text
            .split(",")
            .map((host) => host.trim().toLowerCase())
            .filter(Boolean)
        : null,
    ),
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
  /** Captures the bin keeps; null for MAX_CAPTURES_PER_BIN. */
  maxCaptures: number | null;
  /** Whether capture URLs answer CORS preflights (on unless declared false). */
  cors: boolean;
  /** The owner token API clients and the dashboard open the bin with; null: capture only. */
  token: string | null;
};

const configuredBinSchema = z
  .strictObject({
    id: z.string().regex(binIdPattern, "must be 22 base64url characters, like the ids Hookyard makes").optional(),
    alias: binAliasSchema.optional(),
    signature: signatureConfigSchema.nullable().default(null),
    response: responseSpecSchema.nullable().default(null),
    rules: z.array(responseRuleSchema).max(maxRules, `at most ${maxRules} rules`).default([]),
    maxCaptures: binMaxCapturesSchema.nullable().default(null),
    cors: z.boolean().default(true),
    token: z
      .string()
      .regex(/^[\x21-\x7e]{24,256}$/, "must be 24 to 256 visible ASCII characters (no spaces); `openssl rand -base64 32` makes one")
      .nullable()
      .default(null),
  })
  .refine((bin) => bin.id !== undefined || bin.alias !== undefined, "give the bin an id, an alias or both")
  .transform((bin): ConfiguredBin => ({
    // An alias alone still gives the same id on every start (and every machine).
    id: bin.id ?? binIdForAlias(bin.alias!),
    alias: bin.alias ?? null,
    signature: bin.signature,
    response: bin.response,
    rules: bin.rules,
    maxCaptures: bin.maxCaptures,
    cors: bin.cors,
    token: bin.token,
  }));

const configuredBinsSchema = z.array(configuredBinSchema).superRefine((bins, ctx) => {
  const seen = { id: new Set<string>(), alias: new Set<string>() };
  bins.forEach((bin, index) => {
    if (seen.id.has(bin.id)) ctx.addIssue({ code: "custom", path: [index, "id"], message: `bin ${bin.id} is declared twice` });
    if (bin.token && bins.some((other, otherIndex) => otherIndex < index && other.token === bin.token)) {
      ctx.addIssue({ code: "custom", path: [index, "token"], message: "this token is already declared for another bin" });
    }
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

function readConfiguredBins(inline: string | undefined, file: string | undefined, captureOrigin: boolean): ConfiguredBin[] {
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
  const problems = parsed.data.flatMap((bin, index) =>
    responseSettingsProblems({ response: bin.response, rules: bin.rules }, captureOrigin ? "capture" : "dashboard").map(
      (problem) => `${labels[index]}.${problem}`,
    ),
  );
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  ${problems.slice(0, 10).join("\n  ")}`);
  return parsed.data;
}

/** Where Hookyard keeps its data, from DATABASE_URL. */
export type DatabaseConfig =
  /** `file`: the SQLite file's absolute path. */
  | { kind: "sqlite"; file: string }
  /** `url`: the connection URL as given (it may hold a password: never log it whole, see `databaseLabel`). */
  | { kind: "postgres"; url: string };

/** DATABASE_URL as a database, or null when it names none Hookyard can use. */
function parseDatabaseUrl(text: string): DatabaseConfig | null {
  if (/^file:.+/.test(text)) return { kind: "sqlite", file: path.resolve(text.slice("file:".length)) };
  if (!/^postgres(ql)?:\/\//i.test(text)) return null;
  try {
    // Only checked for shape here; the driver connects with the URL as given.
    return new URL(text).hostname ? { kind: "postgres", url: text } : null;
  } catch {
    // Not a URL at all: loadConfig reports DATABASE_URL as invalid.
    return null;
  }
}

/** The database for logs and errors: the SQLite file, or PostgreSQL's host, port and database without credentials. */
export function databaseLabel(database: DatabaseConfig): string {
  if (database.kind === "sqlite") return database.file;
  const url = new URL(database.url);
  return `postgres://${url.host}${url.pathname}`;
}

export type Config = {
  env: "development" | "production" | "test";
  port: number;
  host: string;
  database: DatabaseConfig;
  publicUrl: string | undefined;
  /**
   * Listening on loopback, trusting no proxy, and with no PUBLIC_URL or CAPTURE_URL naming
   * another machine: the dashboard and API serve this machine only (see local-only.ts),
   * and forwarding may reach loopback and private addresses by default.
   */
  localOnly: boolean;
  /** CAPTURE_URL: where capture URLs point when captures have an origin of their own. */
  captureUrl: string | undefined;
  /** CAPTURE_URL's host name, lowercased; null without CAPTURE_URL. */
  captureHost: string | null;
  maxBodyBytes: number;
  /** Largest body of a request handed to Next; POST .../forward may add a base64 body of maxBodyBytes. */
  apiMaxBodyBytes: number;
  /** Largest a body may decode to (Content-Encoding) for the views and the decoded download. */
  maxDecodedBodyBytes: number;
  trustProxy: TrustProxy;
  /** 0 when a bin's stored bytes are not limited. */
  maxBinBytes: number;
  /** 0 when the database file is not capped. */
  maxDatabaseBytes: number;
  sseHeartbeatMs: number;
  maxStreamsPerIp: number;
  maxStreams: number;
  maxPendingCaptures: number;
  maxBufferedBodyBytes: number;
  /** From HOOKYARD_BINS_FILE then HOOKYARD_BINS; upserted at every start. */
  bins: ConfiguredBin[];
  maxCapturesPerBin: number;
  /** Milliseconds; 0 when captures are kept until pruned or deleted. */
  captureTtlMs: number;
  /** Milliseconds; 0 when idle bins are kept. */
  binIdleTtlMs: number;
  sweepIntervalMs: number;
  /** 0 when captures are not rate-limited. */
  rateLimitPerSecond: number;
  rateLimitBurst: number;
  /** 0 when bin creation is not limited. */
  binsPerIpPerHour: number;
  /** 0 when failed attempts to open a bin are not limited. */
  authFailuresPerMinute: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** Largest request head in bytes (MAX_HEADER_BYTES); larger ones are answered 431. */
  maxHeaderBytes: number;
  forward: ForwardConfig;
};

export type ForwardConfig = {
  timeoutMs: number;
  maxResponseBytes: number;
  allowAddresses: AddressRule[];
  /** null: any host name. */
  allowHosts: string[] | null;
  retryBaseMs: number;
  retryMaxMs: number;
  concurrency: number;
  /** Forwards by hand in flight at once, across all bins and per bin. */
  manualConcurrency: number;
  manualConcurrencyPerBin: number;
};

/**
 * FORWARD_ALLOW_ADDRESSES when it is unset. A local-only instance (`localOnly`: on
 * loopback, no proxy, no public address; its dashboard refuses anything but this
 * machine) serves its developer, who may reach `localhost:3000` and the LAN; any other
 * (`0.0.0.0`, `::`, a LAN or public address, TRUST_PROXY, a PUBLIC_URL elsewhere) may be
 * asked by visitors, so forwarding reaches public addresses only. An explicit value always wins.
 */
export function defaultAllowAddresses(localOnly: boolean): AddressRule[] {
  const text = localOnly ? "loopback,private,public" : "public";
  const parsed = parseAddressAllowList(text);
  if ("problem" in parsed) throw new Error(parsed.problem);
  return parsed.rules;
}

/**
 * Why CAPTURE_URL's host cannot serve captures beside PUBLIC_URL's, or null. A page on
 * the capture origin may set cookies (its bin's owner chooses its headers and scripts),
 * and a cookie reaches its own host and every subdomain of the domain it names: on the
 * dashboard's host name (whatever the port: cookies ignore ports), on a subdomain of it
 * (`Domain=` the dashboard's host) or on a parent of it, such a cookie is sent to the
 * dashboard, where it can shadow or, by the thousand, evict the dashboard's own cookies
 * (cookie tossing, cookie bombing). IP addresses have no subdomains.
 */
export function captureHostProblem(captureHost: string, publicHost: string): string | null {
  const capture = captureHost.replace(/\.$/, "");
  const dashboard = publicHost.replace(/\.$/, "");
  const advice = "give captures a registrable domain of their own, such as https://hooks-capture.example.net";
  if (capture === dashboard) {
    return `CAPTURE_URL must be on another host name than PUBLIC_URL (${dashboard}; a port of its own is not a separate origin for cookies): ${advice}`;
  }
  if (isIP(capture.replace(/^\[|\]$/g, "")) || isIP(dashboard.replace(/^\[|\]$/g, ""))) return null;
  if (capture.endsWith(`.${dashboard}`)) {
    return `CAPTURE_URL's host ${capture} is a subdomain of PUBLIC_URL's ${dashboard}, so a page there could set cookies the dashboard receives: ${advice}`;
  }
  if (dashboard.endsWith(`.${capture}`)) {
    return `PUBLIC_URL's host ${dashboard} is a subdomain of CAPTURE_URL's ${capture}, so a page there could set cookies the dashboard receives: ${advice}`;
  }
  return null;
}

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
    throw new ConfigError(
      "Invalid configuration:\n  MAX_BUFFERED_BODY_BYTES: must be at least MAX_BODY_BYTES, or no body of the maximum size could be accepted",
    );
  }
  const captureHost = values.CAPTURE_URL ? new URL(values.CAPTURE_URL).hostname.toLowerCase() : null;
  const servesOthers = (url: string | undefined) => url !== undefined && !namesThisMachine(new URL(url).host);
  const localOnly =
    isLoopbackListener(values.HOST) && values.TRUST_PROXY.mode === "off" && !servesOthers(values.PUBLIC_URL) && !servesOthers(values.CAPTURE_URL);
  if (captureHost !== null && values.PUBLIC_URL) {
    const problem = captureHostProblem(captureHost, new URL(values.PUBLIC_URL).hostname.toLowerCase());
    if (problem) throw new ConfigError(`Invalid configuration:\n  CAPTURE_URL, PUBLIC_URL: ${problem}`);
  }
  if (values.REQUEST_TIMEOUT_MS < values.HEADERS_TIMEOUT_MS) {
    throw new ConfigError("Invalid configuration:\n  REQUEST_TIMEOUT_MS: must be at least HEADERS_TIMEOUT_MS (the head is part of the request)");
  }
  return {
    env: values.NODE_ENV,
    port: values.PORT,
    host: values.HOST,
    database: values.DATABASE_URL,
    publicUrl: values.PUBLIC_URL,
    localOnly,
    captureUrl: values.CAPTURE_URL,
    captureHost,
    maxBodyBytes: values.MAX_BODY_BYTES,
    apiMaxBodyBytes: values.API_MAX_BODY_BYTES,
    maxDecodedBodyBytes: values.MAX_DECODED_BODY_BYTES,
    maxBinBytes: values.MAX_BIN_BYTES,
    maxDatabaseBytes: values.MAX_DATABASE_BYTES,
    trustProxy: values.TRUST_PROXY,
    sseHeartbeatMs: values.SSE_HEARTBEAT_MS,
    maxStreamsPerIp: values.MAX_STREAMS_PER_IP,
    maxStreams: values.MAX_STREAMS,
    maxPendingCaptures: values.MAX_PENDING_CAPTURES,
    maxBufferedBodyBytes: values.MAX_BUFFERED_BODY_BYTES,
    maxCapturesPerBin: values.MAX_CAPTURES_PER_BIN,
    captureTtlMs: values.CAPTURE_TTL,
    binIdleTtlMs: values.BIN_IDLE_TTL,
    sweepIntervalMs: values.SWEEP_INTERVAL_MS,
    rateLimitPerSecond: values.RATE_LIMIT_PER_SECOND,
    rateLimitBurst: values.RATE_LIMIT_BURST,
    binsPerIpPerHour: values.BINS_PER_IP_PER_HOUR,
    authFailuresPerMinute: values.AUTH_FAILURES_PER_MINUTE,
    headersTimeoutMs: values.HEADERS_TIMEOUT_MS,
    maxHeaderBytes: values.MAX_HEADER_BYTES,
    requestTimeoutMs: values.REQUEST_TIMEOUT_MS,
    forward: {
      timeoutMs: values.FORWARD_TIMEOUT_MS,
      maxResponseBytes: values.FORWARD_MAX_RESPONSE_BYTES,
      allowAddresses: values.FORWARD_ALLOW_ADDRESSES ?? defaultAllowAddresses(localOnly),
      allowHosts: values.FORWARD_ALLOW_HOSTS,
      retryBaseMs: values.FORWARD_RETRY_BASE_MS,
      retryMaxMs: values.FORWARD_RETRY_MAX_MS,
      concurrency: values.FORWARD_CONCURRENCY,
      manualConcurrency: values.FORWARD_MANUAL_CONCURRENCY,
      manualConcurrencyPerBin: values.FORWARD_MANUAL_CONCURRENCY_PER_BIN,
    },
    bins: readConfiguredBins(values.HOOKYARD_BINS, values.HOOKYARD_BINS_FILE, captureHost !== null),
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
