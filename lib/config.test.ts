import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, databaseLabel, loadConfig } from "./config.ts";
import { binIdForAlias } from "./server/bins/ids.ts";

/** Next's types make NODE_ENV required in ProcessEnv; the loader must cope without it. */
const load = (env: Record<string, string>) => loadConfig(env as NodeJS.ProcessEnv);

function configError(env: Record<string, string>): ConfigError {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe("loadConfig", () => {
  it("has working defaults", () => {
    expect(load({})).toEqual({
      env: "production",
      port: 3000,
      host: "127.0.0.1",
      database: { kind: "sqlite", file: path.resolve("data/hookyard.db") },
      publicUrl: undefined,
      localOnly: true,
      captureUrl: undefined,
      captureHost: null,
      maxBodyBytes: 10 * 1024 * 1024,
      apiMaxBodyBytes: 4 * 1024 * 1024,
      maxDecodedBodyBytes: 16 * 1024 * 1024,
      trustProxy: { mode: "off" },
      maxBinBytes: 100 * 1024 * 1024,
      maxDatabaseBytes: 0,
      sseHeartbeatMs: 15_000,
      maxStreamsPerIp: 50,
      maxStreams: 10_000,
      maxPendingCaptures: 10_000,
      maxBufferedBodyBytes: 256 * 1024 * 1024,
      maxCapturesPerBin: 1_000,
      captureTtlMs: 7 * 86_400_000,
      binIdleTtlMs: 30 * 86_400_000,
      sweepIntervalMs: 60_000,
      rateLimitPerSecond: 50,
      rateLimitBurst: 200,
      binsPerIpPerHour: 100,
      authFailuresPerMinute: 30,
      headersTimeoutMs: 30_000,
      requestTimeoutMs: 120_000,
      maxHeaderBytes: 64 * 1024,
      forward: {
        timeoutMs: 30_000,
        maxResponseBytes: 1024 * 1024,
        allowAddresses: [
          { kind: "category", category: "loopback" },
          { kind: "category", category: "private" },
          { kind: "category", category: "public" },
        ],
        allowHosts: null,
        retryBaseMs: 1_000,
        retryMaxMs: 300_000,
        concurrency: 8,
        manualConcurrency: 16,
        manualConcurrencyPerBin: 4,
      },
      bins: [],
    });
  });

  it("reads every variable", () => {
    expect(
      load({
        NODE_ENV: "development",
        PORT: "8080",
        HOST: "127.0.0.1",
        DATABASE_URL: "file:/var/lib/hookyard/db.sqlite",
        PUBLIC_URL: "https://hooks.example.com",
        CAPTURE_URL: "https://In.Hooks-Capture.example.net/",
        MAX_BODY_BYTES: "1024",
        API_MAX_BODY_BYTES: "2048",
        MAX_DECODED_BODY_BYTES: "4096",
        TRUST_PROXY: "2",
        MAX_BIN_BYTES: "0",
        MAX_DATABASE_BYTES: "1073741824",
        SSE_HEARTBEAT_MS: "200",
        MAX_STREAMS_PER_IP: "3",
        MAX_STREAMS: "9",
        MAX_PENDING_CAPTURES: "5",
        MAX_BUFFERED_BODY_BYTES: "4096",
        MAX_CAPTURES_PER_BIN: "3",
        CAPTURE_TTL: "12h",
        BIN_IDLE_TTL: "0",
        SWEEP_INTERVAL_MS: "250",
        RATE_LIMIT_PER_SECOND: "0",
        RATE_LIMIT_BURST: "7",
        BINS_PER_IP_PER_HOUR: "2",
        AUTH_FAILURES_PER_MINUTE: "0",
        HEADERS_TIMEOUT_MS: "1000",
        REQUEST_TIMEOUT_MS: "2000",
        MAX_HEADER_BYTES: "4096",
        FORWARD_TIMEOUT_MS: "500",
        FORWARD_MAX_RESPONSE_BYTES: "64",
        FORWARD_ALLOW_ADDRESSES: "public, 10.1.0.0/16",
        FORWARD_ALLOW_HOSTS: "Hooks.example.com,*.internal.test",
        FORWARD_RETRY_BASE_MS: "20",
        FORWARD_RETRY_MAX_MS: "400",
        FORWARD_CONCURRENCY: "2",
        FORWARD_MANUAL_CONCURRENCY: "6",
        FORWARD_MANUAL_CONCURRENCY_PER_BIN: "3",
      }),
    ).toEqual({
      env: "development",
      port: 8080,
      host: "127.0.0.1",
      database: { kind: "sqlite", file: "/var/lib/hookyard/db.sqlite" },
      publicUrl: "https://hooks.example.com",
      localOnly: false,
      captureUrl: "https://In.Hooks-Capture.example.net",
      captureHost: "in.hooks-capture.example.net",
      maxBodyBytes: 1024,
      apiMaxBodyBytes: 2048,
      maxDecodedBodyBytes: 4096,
      trustProxy: { mode: "hops", hops: 2 },
      maxBinBytes: 0,
      maxDatabaseBytes: 1024 * 1024 * 1024,
      sseHeartbeatMs: 200,
      maxStreamsPerIp: 3,
      maxStreams: 9,
      maxPendingCaptures: 5,
      maxBufferedBodyBytes: 4096,
      maxCapturesPerBin: 3,
      captureTtlMs: 12 * 3_600_000,
      binIdleTtlMs: 0,
      sweepIntervalMs: 250,
      rateLimitPerSecond: 0,
      rateLimitBurst: 7,
      binsPerIpPerHour: 2,
      authFailuresPerMinute: 0,
      headersTimeoutMs: 1000,
      requestTimeoutMs: 2000,
      maxHeaderBytes: 4096,
      forward: {
        timeoutMs: 500,
        maxResponseBytes: 64,
        allowAddresses: [
          { kind: "category", category: "public" },
          { kind: "cidr", text: "10.1.0.0/16", family: 4, network: "10.1.0.0", prefix: 16 },
        ],
        allowHosts: ["hooks.example.com", "*.internal.test"],
        retryBaseMs: 20,
        retryMaxMs: 400,
        concurrency: 2,
        manualConcurrency: 6,
        manualConcurrencyPerBin: 3,
      },
      bins: [],
    });
  });

  it("resolves a relative database file against the working directory", () => {
    expect(load({ DATABASE_URL: "file:./x/y.db" }).database).toEqual({ kind: "sqlite", file: path.resolve("x/y.db") });
  });

  it("takes a postgres:// or postgresql:// URL as PostgreSQL, and labels it without its credentials", () => {
    const url = "postgres://hookyard:s3cret@127.0.0.1:5432/hookyard?sslmode=disable";
    const { database } = load({ DATABASE_URL: url });
    expect(database).toEqual({ kind: "postgres", url });
    expect(databaseLabel(database)).toBe("postgres://127.0.0.1:5432/hookyard");
    expect(load({ DATABASE_URL: "postgresql://127.0.0.1/hookyard" }).database).toEqual({ kind: "postgres", url: "postgresql://127.0.0.1/hookyard" });
    expect(databaseLabel(load({ DATABASE_URL: "file:./x/y.db" }).database)).toBe(path.resolve("x/y.db"));
  });

  it("never echoes a bad DATABASE_URL, which may hold a password", () => {
    const error = configError({ DATABASE_URL: "mysql://hookyard:s3cret@127.0.0.1/hookyard" });
    expect(error.message).toContain("DATABASE_URL: ");
    expect(error.message).not.toContain("s3cret");
  });

  it("strips trailing slashes from PUBLIC_URL but keeps its path", () => {
    expect(load({ PUBLIC_URL: "https://hooks.example.com/inspect//" }).publicUrl).toBe("https://hooks.example.com/inspect");
  });

  it("refuses a CAPTURE_URL on the dashboard's host name, whatever the port", () => {
    expect(configError({ PUBLIC_URL: "https://hooks.example.com", CAPTURE_URL: "https://HOOKS.example.com:8443" }).message).toMatch(
      /CAPTURE_URL, PUBLIC_URL: CAPTURE_URL must be on another host name than PUBLIC_URL \(hooks\.example\.com; a port/,
    );
    expect(() => load({ PUBLIC_URL: "https://hooks.example.com.", CAPTURE_URL: "https://hooks.example.com" })).toThrow(/another host name/);
    expect(() => load({ PUBLIC_URL: "http://127.0.0.1:3000", CAPTURE_URL: "http://127.0.0.1:3001" })).toThrow(/another host name/);
    expect(() => load({ CAPTURE_URL: "ftp://in.example.com" })).toThrow(/CAPTURE_URL/);
  });

  it("refuses a CAPTURE_URL whose cookies would reach the dashboard: a subdomain or a parent of PUBLIC_URL's host", () => {
    // The README's old example: a page on in.hooks.example.com may set Domain=hooks.example.com.
    expect(configError({ PUBLIC_URL: "https://hooks.example.com", CAPTURE_URL: "https://in.hooks.example.com" }).message).toBe(
      "Invalid configuration:\n  CAPTURE_URL, PUBLIC_URL: CAPTURE_URL's host in.hooks.example.com is a subdomain of PUBLIC_URL's hooks.example.com, so a page there could set cookies the dashboard receives: give captures a registrable domain of their own, such as https://hooks-capture.example.net",
    );
    expect(() => load({ PUBLIC_URL: "https://Hooks.Example.com/inspect", CAPTURE_URL: "https://a.b.HOOKS.example.com." })).toThrow(
      /is a subdomain of PUBLIC_URL's/,
    );
    // And the other way round: a cookie for example.com is sent to app.example.com too.
    expect(configError({ PUBLIC_URL: "https://app.example.com", CAPTURE_URL: "https://example.com" }).message).toMatch(
      /CAPTURE_URL, PUBLIC_URL: PUBLIC_URL's host app\.example\.com is a subdomain of CAPTURE_URL's example\.com/,
    );
  });

  it("accepts a capture host that only looks alike, on another domain, or an address", () => {
    const accepted = [
      ["https://hooks.example.com", "https://hooks-capture.example.net"],
      ["https://hooks.example.com", "https://inhooks.example.com"],
      ["https://hooks.example.com", "https://xhooks.example.com"],
      ["https://example.com", "https://notexample.com"],
      ["http://127.0.0.1:3000", "http://127.0.0.2:3000"],
      ["http://10.0.0.1", "http://110.0.0.1"],
      ["http://[::1]:3000", "http://localhost:3001"],
    ] as const;
    for (const [publicUrl, captureUrl] of accepted) {
      expect(load({ PUBLIC_URL: publicUrl, CAPTURE_URL: captureUrl }).captureUrl, `${publicUrl} / ${captureUrl}`).toBe(captureUrl);
    }
    // Without PUBLIC_URL the dashboard's host is whatever clients use: nothing to compare at start-up.
    expect(load({ CAPTURE_URL: "https://in.hooks.example.com" }).captureHost).toBe("in.hooks.example.com");
  });

  it("refuses declared responses with headers that would act on the dashboard's origin, unless captures have their own", () => {
    const bins = JSON.stringify([{ alias: "cookie-jar", response: { status: 200, headers: [["Set-Cookie", "a=1"]] } }]);
    expect(() => load({ HOOKYARD_BINS: bins })).toThrow(/HOOKYARD_BINS\[0\]\.response\.headers\.0: Set-Cookie would act on the dashboard's origin/);
    expect(load({ HOOKYARD_BINS: bins, CAPTURE_URL: "https://hooks-capture.example.net" }).bins[0]?.response?.headers).toEqual([["Set-Cookie", "a=1"]]);
  });

  it("refuses a body memory budget smaller than one body", () => {
    expect(() => load({ MAX_BODY_BYTES: "2048", MAX_BUFFERED_BODY_BYTES: "1024" })).toThrow(/MAX_BUFFERED_BODY_BYTES/);
  });

  it.each([
    ["500ms", 500],
    ["45s", 45_000],
    ["90", 90_000],
    ["30m", 1_800_000],
    ["2d", 172_800_000],
  ])("reads the duration CAPTURE_TTL=%s as %i ms", (value, ms) => {
    expect(load({ CAPTURE_TTL: value }).captureTtlMs).toBe(ms);
  });

  it("refuses a request timeout shorter than the headers timeout", () => {
    expect(() => load({ HEADERS_TIMEOUT_MS: "5000", REQUEST_TIMEOUT_MS: "1000" })).toThrow(/REQUEST_TIMEOUT_MS/);
  });

  it("treats empty strings as unset", () => {
    expect(load({ PORT: "", PUBLIC_URL: "", TRUST_PROXY: "" })).toMatchObject({ port: 3000, publicUrl: undefined, trustProxy: { mode: "off" } });
  });

  it("reads TRUST_PROXY as off, hops or trusted ranges", () => {
    expect(load({ TRUST_PROXY: "false" }).trustProxy).toEqual({ mode: "off" });
    expect(load({ TRUST_PROXY: "1" }).trustProxy).toEqual({ mode: "hops", hops: 1 });
    expect(load({ TRUST_PROXY: "true" }).trustProxy).toMatchObject({ mode: "ranges" });
    expect(load({ TRUST_PROXY: "loopback,10.0.0.0/8" }).trustProxy).toEqual({
      mode: "ranges",
      ranges: [
        { family: 4, network: "127.0.0.0", prefix: 8 },
        { family: 6, network: "::1", prefix: 128 },
        { family: 4, network: "10.0.0.0", prefix: 8 },
      ],
    });
  });

  it.each([
    ["PORT", "abc"],
    ["PORT", "70000"],
    ["PORT", "-1"],
    ["PORT", "80.5"],
    ["DATABASE_URL", "mysql://127.0.0.1/hookyard"],
    ["DATABASE_URL", "postgres://"],
    ["DATABASE_URL", "./data/hookyard.db"],
    ["DATABASE_URL", "file:"],
    ["PUBLIC_URL", "hooks.example.com"],
    ["PUBLIC_URL", "ftp://hooks.example.com"],
    ["PUBLIC_URL", "not a url"],
    ["MAX_BODY_BYTES", "0"],
    ["MAX_BODY_BYTES", "10MB"],
    ["SSE_HEARTBEAT_MS", "-5"],
    ["MAX_PENDING_CAPTURES", "1.5"],
    ["TRUST_PROXY", "yes"],
    ["TRUST_PROXY", "10.0.0.0/40"],
    ["API_MAX_BODY_BYTES", "0"],
    ["MAX_DECODED_BODY_BYTES", "0"],
    ["MAX_STREAMS_PER_IP", "0"],
    ["MAX_STREAMS", "lots"],
    ["MAX_CAPTURES_PER_BIN", "0"],
    ["CAPTURE_TTL", "7 days"],
    ["BIN_IDLE_TTL", "-1d"],
    ["RATE_LIMIT_PER_SECOND", "-1"],
    ["RATE_LIMIT_BURST", "0"],
    ["BINS_PER_IP_PER_HOUR", "many"],
    ["AUTH_FAILURES_PER_MINUTE", "-1"],
    ["NODE_ENV", "staging"],
  ])("rejects %s=%s with a message naming the variable", (name, value) => {
    const error = configError({ [name]: value });
    expect(error.message).toMatch(new RegExp(`(^|\\s)${name}: `));
    // Only the bad variable is blamed.
    const named = [...error.message.matchAll(/^\s+([A-Z_]+):/gm)].map((match) => match[1]);
    expect(named).toEqual([name]);
  });

  it("names every bad variable at once", () => {
    const error = configError({ PORT: "abc", DATABASE_URL: "mysql://x", PUBLIC_URL: "nope" });
    for (const name of ["PORT", "DATABASE_URL", "PUBLIC_URL"]) expect(error.message).toContain(`${name}: `);
  });

  it("does not read process.env when given an environment", () => {
    const saved = process.env.PORT;
    process.env.PORT = "not-a-port";
    try {
      expect(load({ PORT: "1234" }).port).toBe(1234);
    } finally {
      if (saved === undefined) delete process.env.PORT;
      else process.env.PORT = saved;
    }
  });
});

describe("the forwarding address policy", () => {
  const category = (name: string) => ({ kind: "category", category: name });
  const laptop = [category("loopback"), category("private"), category("public")];
  const publicOnly = [category("public")];

  it.each([
    [undefined, laptop],
    ["127.0.0.1", laptop],
    ["127.0.0.2", laptop],
    ["localhost", laptop],
    ["LOCALHOST", laptop],
    ["::1", laptop],
    ["[::1]", laptop],
    ["0.0.0.0", publicOnly],
    ["::", publicOnly],
    ["192.168.1.20", publicOnly],
    ["10.0.0.3", publicOnly],
    ["::ffff:0.0.0.0", publicOnly],
    ["hooks.example.com", publicOnly],
    // Names other than localhost itself are not trusted to stay on loopback.
    ["app.localhost", publicOnly],
  ])("HOST=%s without FORWARD_ALLOW_ADDRESSES allows %j", (host, rules) => {
    expect(load(host === undefined ? {} : { HOST: host }).forward.allowAddresses).toEqual(rules);
  });

  it("treats a loopback listener as public once a proxy or a public address is in play", () => {
    expect(load({ HOST: "127.0.0.1" })).toMatchObject({ localOnly: true, forward: { allowAddresses: laptop } });
    expect(load({ HOST: "127.0.0.1", PUBLIC_URL: "http://localhost:3000" })).toMatchObject({ localOnly: true, forward: { allowAddresses: laptop } });
    // nginx, a tunnel or a cloud proxy in front: visitors reach the API through loopback.
    const exposed: Record<string, string>[] = [
      { TRUST_PROXY: "loopback" },
      { PUBLIC_URL: "https://hooks.example.com" },
      { CAPTURE_URL: "https://in.hooks-capture.example.net" },
    ];
    for (const env of exposed) {
      expect(load({ HOST: "127.0.0.1", ...env }), JSON.stringify(env)).toMatchObject({ localOnly: false, forward: { allowAddresses: publicOnly } });
    }
    expect(load({ HOST: "0.0.0.0" }).localOnly).toBe(false);
  });

  it("lets an explicit FORWARD_ALLOW_ADDRESSES win over what HOST implies, both ways", () => {
    expect(load({ HOST: "0.0.0.0", FORWARD_ALLOW_ADDRESSES: "loopback,private,public" }).forward.allowAddresses).toEqual(laptop);
    expect(load({ HOST: "127.0.0.1", FORWARD_ALLOW_ADDRESSES: "public" }).forward.allowAddresses).toEqual(publicOnly);
    expect(load({ HOST: "0.0.0.0", FORWARD_ALLOW_ADDRESSES: "10.1.0.0/16" }).forward.allowAddresses).toEqual([
      { kind: "cidr", text: "10.1.0.0/16", family: 4, network: "10.1.0.0", prefix: 16 },
    ]);
  });

  it("treats an empty FORWARD_ALLOW_ADDRESSES as unset, like every other variable", () => {
    expect(load({ HOST: "0.0.0.0", FORWARD_ALLOW_ADDRESSES: "" }).forward.allowAddresses).toEqual(publicOnly);
  });

  it("refuses an unknown keyword, naming the variable", () => {
    expect(configError({ FORWARD_ALLOW_ADDRESSES: "public,everything" }).message).toMatch(/FORWARD_ALLOW_ADDRESSES: "everything" is neither/);
  });
});

describe("configured bins", () => {
  it("reads HOOKYARD_BINS_FILE then HOOKYARD_BINS, fills defaults and derives a fixed id from an alias alone", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hookyard-config-"));
    try {
      const file = path.join(dir, "bins.json");
      writeFileSync(file, JSON.stringify([{ id: "AAAAAAAAAAAAAAAAAAAAAA", signature: { provider: "github", secrets: ["s3cret"] } }]));
      const bins = load({
        HOOKYARD_BINS_FILE: file,
        HOOKYARD_BINS: JSON.stringify([
          { alias: "stripe-dev", cors: false, rules: [{ method: "POST", path: { mode: "exact", value: "/fail" }, response: { status: 500 } }] },
        ]),
      }).bins;
      expect(bins).toHaveLength(2);
      expect(bins[0]).toMatchObject({
        id: "AAAAAAAAAAAAAAAAAAAAAA",
        alias: null,
        signature: { provider: "github", secrets: ["s3cret"] },
        response: null,
        rules: [],
        cors: true,
      });
      expect(bins[1]).toMatchObject({ id: binIdForAlias("stripe-dev"), alias: "stripe-dev", signature: null, cors: false });
      expect(bins[1]!.rules[0]).toMatchObject({ method: "POST", response: { status: 500, headers: [], body: "", delayMs: 0 } });
      expect(binIdForAlias("stripe-dev")).toMatch(/^[A-Za-z0-9_-]{22}$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [{ HOOKYARD_BINS: "not json" }, /HOOKYARD_BINS: not valid JSON/],
    [{ HOOKYARD_BINS: "{}" }, /HOOKYARD_BINS: must be a JSON array/],
    [{ HOOKYARD_BINS: "[{}]" }, /HOOKYARD_BINS\[0\]: give the bin an id, an alias or both/],
    [{ HOOKYARD_BINS: '[{"alias":"Bad Name"}]' }, /HOOKYARD_BINS\[0\]\.alias: /],
    [{ HOOKYARD_BINS: '[{"alias":"ok-bin","response":{"status":700}}]' }, /HOOKYARD_BINS\[0\]\.response\.status: /],
    [{ HOOKYARD_BINS: '[{"alias":"ok-bin","signature":{"provider":"nope","secrets":["x"]}}]' }, /HOOKYARD_BINS\[0\]\.signature/],
    [{ HOOKYARD_BINS: '[{"alias":"ok-bin"},{"alias":"ok-bin"}]' }, /HOOKYARD_BINS\[1\]\.id: .*declared twice/],
    [{ HOOKYARD_BINS: '[{"alias":"ok-bin","colour":"red"}]' }, /HOOKYARD_BINS\[0\]: .*colour/],
    [{ HOOKYARD_BINS: '[{"alias":"ok-bin","cors":"yes"}]' }, /HOOKYARD_BINS\[0\]\.cors: /],
    [{ HOOKYARD_BINS_FILE: "/nonexistent/bins.json" }, /HOOKYARD_BINS_FILE: cannot read \/nonexistent\/bins.json/],
  ])("refuses %o with a clear message", (env, message) => {
    expect(configError(env).message).toMatch(message);
  });
});
