#!/usr/bin/env node
// `npm run bench`: Hookyard's performance figures in one bounded run, loopback only.
//
// Builds when needed (ensureBuilt), starts Hookyard (fresh SQLite file in a temp dir, or
// with --db postgres a fresh database on a throwaway PostgreSQL cluster the run starts
// and removes) and a bare node:http server as the machine's baseline, all as child processes on
// free ports, runs the selected phases, prints a table and writes
// bench-results/<ISO timestamp>.json and bench-results/latest.json. Targets are
// reported, never asserted: the exit code is 0 unless a phase failed to run.
//
// Phases (in this order):
//   throughput  1 KB JSON POSTs to one bin, 50 connections, interleaved rounds vs bare
//   latency     POST → SSE `request` event, idle and under the throughput load
//   instances   --db postgres only: POST to one instance → event on a stream held by a second
//   clients     1,000 idle SSE streams: RSS per stream, open time, throughput again
//   large       10 MiB bodies: total time and peak RSS growth ÷ body size
//   bigbin      100,000 captures in one bin: first page from the API, page usable in Chromium
//
// Flags (npm run bench -- <flags>):
//   --db sqlite|postgres  the database Hookyard runs on (default sqlite)
//   --only a,b            phases to run (default: all)
//   --duration S          seconds per load run (default 10)
//   --rounds N            interleaved bare/Hookyard rounds for `throughput` (default 3)
//   --clients-rounds N    the same for the run with idle clients open (default 2, at most --rounds)
//   --warmup S            unrecorded warm-up per target before the first round (default 1; 0 = none)
//   --connections N       autocannon connections (default 50)
//   --probes N            latency probes per series (default 500)
//   --latency-repeats N   idle + loaded probe series (default 3)
//   --clients N           idle SSE streams (default 1000)
//   --large-count N       10 MiB captures (default 20)
//   --big-bin N           captures seeded into the big bin (default 100000)
//   --page-repeats N      first-page API calls (default 10)
//   --browser-repeats N   Chromium page loads (default 9)
//   --time-limit S        hard stop for the whole run (default 600)
//   --keep                keep the temp dir (database, server logs) for inspection
//   --help
// A quick pass: npm run bench -- --duration 3 --rounds 1
// Chromium: CHROMIUM_PATH, else /usr/bin/chromium; without one, the HTML fetch time is
// reported instead, and the table says so.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ensureBuilt } from "./build-if-needed.mjs";
import { requestJson } from "./bench/http-client.mjs";
import { stopLoads } from "./bench/load.mjs";
import { bigBinPhase, clientsPhase, fmt, fmtInt, instancesPhase, largeBodiesPhase, latencyPhase, throughputPhase } from "./bench/phases.mjs";
import { freePort, killAllNow, startChild, stopAll, stopChild } from "./bench/processes.mjs";
import { createDatabase, startCluster, stopCluster } from "./postgres-cluster.mjs";

const phases = {
  throughput: throughputPhase,
  latency: latencyPhase,
  instances: instancesPhase,
  clients: clientsPhase,
  large: largeBodiesPhase,
  bigbin: bigBinPhase,
};
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      db: { type: "string", default: "sqlite" },
      only: { type: "string" },
      duration: { type: "string", default: "10" },
      rounds: { type: "string", default: "3" },
      "clients-rounds": { type: "string" },
      warmup: { type: "string", default: "1" },
      connections: { type: "string", default: "50" },
      probes: { type: "string", default: "500" },
      "latency-repeats": { type: "string", default: "3" },
      clients: { type: "string", default: "1000" },
      "large-count": { type: "string", default: "20" },
      "big-bin": { type: "string", default: "100000" },
      "page-repeats": { type: "string", default: "10" },
      "browser-repeats": { type: "string", default: "9" },
      "time-limit": { type: "string", default: "600" },
      keep: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(
      "Usage: npm run bench -- [--only throughput,latency,clients,large,bigbin] [--duration S] [--rounds N] ... (see the header of scripts/bench.mjs)",
    );
    process.exit(0);
  }
  const number = (name, { min = 0, integer = true } = {}) => {
    const value = Number(values[name]);
    if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value)))
      throw new Error(`--${name} must be ${integer ? "an integer" : "a number"} ≥ ${min}`);
    return value;
  };
  const only = values.only
    ? values.only
        .split(",")
        .map((name) => name.trim())
        .filter(Boolean)
    : Object.keys(phases);
  const unknown = only.filter((name) => !(name in phases));
  if (unknown.length) throw new Error(`unknown phase(s): ${unknown.join(", ")}; choose from ${Object.keys(phases).join(", ")}`);
  if (values.db !== "sqlite" && values.db !== "postgres") throw new Error("--db must be sqlite or postgres");
  return {
    db: values.db,
    only,
    duration: number("duration", { min: 1, integer: false }),
    rounds: number("rounds", { min: 1 }),
    clientsRounds: values["clients-rounds"] === undefined ? Math.min(2, number("rounds", { min: 1 })) : number("clients-rounds", { min: 1 }),
    warmup: number("warmup", { integer: false }),
    connections: number("connections", { min: 1 }),
    probes: number("probes", { min: 1 }),
    latencyRepeats: number("latency-repeats", { min: 1 }),
    clients: number("clients", { min: 1 }),
    largeCount: number("large-count", { min: 1 }),
    bigBin: number("big-bin", { min: 1 }),
    pageRepeats: number("page-repeats", { min: 1 }),
    browserRepeats: number("browser-repeats", { min: 1 }),
    timeLimitSeconds: number("time-limit", { min: 10 }),
    keep: values.keep,
    probeTimeoutMs: 5_000,
  };
}

// ---------------------------------------------------------------- servers

/** Starts Hookyard on a free port with a new database (SQLite file in the temp dir, or PostgreSQL database), or the last one. */
async function startHookyard(ctx, { keepDatabase = false } = {}) {
  ctx.hookStarts = (ctx.hookStarts ?? 0) + 1;
  if (!keepDatabase) {
    ctx.databaseUrl =
      ctx.opts.db === "postgres" ? await createDatabase(ctx.cluster, `bench_${ctx.hookStarts}`) : `file:${path.join(ctx.tmpDir, `bench-${ctx.hookStarts}.db`)}`;
  }
  ctx.hook = await startHookyardProcess(ctx, `hookyard-${ctx.hookStarts}.log`);
  const health = await requestJson(`${ctx.hook.url}/api/health`);
  ctx.log(`Hookyard pid ${ctx.hook.pid} at ${ctx.hook.url} on ${ctx.opts.db} (health: ${JSON.stringify(health)})`);
}

/** A second Hookyard on the first one's (PostgreSQL) database, for the two-instance phase. */
async function startSecondHookyard(ctx) {
  const second = await startHookyardProcess(ctx, `hookyard-${ctx.hookStarts}-second.log`);
  ctx.log(`second Hookyard pid ${second.pid} at ${second.url}`);
  return second;
}

async function startHookyardProcess(ctx, logName) {
  const port = await freePort();
  return startChild({
    name: "Hookyard",
    // --expose-gc + the preload let the benchmark trigger a full GC before memory readings.
    args: ["--expose-gc", "--import", "./scripts/bench/gc-on-signal.mjs", "dist/server.mjs"],
    env: {
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: ctx.databaseUrl,
      BENCH_MEMORY_FILE: ctx.memoryFile,
      // The benchmark measures the capture path itself: one bin takes the whole load and
      // grows to 100,000 captures (and many 10 MiB bodies), and 2,000 bins are created from
      // one address, which the default retention and rate limits would refuse; its 1,000
      // idle streams all come from loopback too, beyond MAX_STREAMS_PER_IP.
      MAX_STREAMS_PER_IP: "100000",
      RATE_LIMIT_PER_SECOND: "0",
      BINS_PER_IP_PER_HOUR: "0",
      MAX_CAPTURES_PER_BIN: "100000000",
      MAX_BIN_BYTES: "0",
      CAPTURE_TTL: "0",
      BIN_IDLE_TTL: "0",
    },
    logFile: path.join(ctx.tmpDir, logName),
    readyPattern: /Hookyard listening on (http:\/\/\S+)/,
  });
}

/**
 * A new Hookyard process for a memory phase: RSS rarely shrinks, and heap space that
 * earlier phases grew and freed would absorb new allocations without any RSS growth,
 * so a server that has already taken load under-reports memory per connection.
 * `keepDatabase` restarts on the same database (what was created stays).
 */
async function restartHookyard(ctx, options) {
  collectStderr(ctx);
  await stopChild(ctx.hook);
  await startHookyard(ctx, options);
}

/** Keeps the stderr lines of a Hookyard process that is about to be replaced. */
function collectStderr(ctx) {
  if (!ctx.hook) return;
  ctx.serverStderr.push(...ctx.hook.entry.stderrLines.map((line) => `[process ${ctx.hookStarts}] ${line}`));
  ctx.hook.entry.stderrLines = [];
}

async function startServers(ctx) {
  await startHookyard(ctx);
  ctx.bare = await startChild({
    name: "bare",
    args: [path.join("scripts", "bench", "bare-server.mjs"), String(await freePort())],
    env: {},
    logFile: path.join(ctx.tmpDir, "bare.log"),
    readyPattern: /bare listening on (http:\/\/\S+)/,
  });
  ctx.log(`bare node:http pid ${ctx.bare.pid} at ${ctx.bare.url}`);
}

// ---------------------------------------------------------------- report

function machineInfo() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? "unknown",
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    loadAverageAtStart: os.loadavg(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}

function gitInfo() {
  const git = (...args) => execFileSync("git", args, { cwd: repoRoot, encoding: "utf8" }).trim();
  try {
    return { commit: git("rev-parse", "HEAD"), branch: git("rev-parse", "--abbrev-ref", "HEAD"), dirty: git("status", "--porcelain").length > 0 };
  } catch {
    return { commit: "unknown", branch: "unknown", dirty: null };
  }
}

function verdict(figure) {
  if (!figure.target) return "";
  if (!Number.isFinite(figure.median)) return "n/a";
  const ok = figure.target.op === ">=" ? figure.median >= figure.target.value : figure.median <= figure.target.value;
  return ok ? "PASS" : "FAIL";
}

// Ratios get three decimals so that 0.347 does not print as a passing-looking "0.35".
const formatValue = (value, unit) =>
  unit === "req/s" || unit === "count" ? fmtInt(value) : unit === "ratio" && Number.isFinite(value) ? value.toFixed(3) : fmt(value);

/** Plain-text table: phase, figure, median, min–max, target, pass/fail, note. */
function printTable(figures) {
  const rows = figures.map((f) => [
    f.phase,
    f.figure,
    `${formatValue(f.median, f.unit)} ${f.unit}`,
    f.values.length > 1 ? `${formatValue(f.min, f.unit)} – ${formatValue(f.max, f.unit)}` : "",
    f.target ? `${f.target.op === ">=" ? "≥" : "≤"} ${formatValue(f.target.value, f.unit)}` : "",
    verdict(f),
    f.note,
  ]);
  const header = ["phase", "figure", "median", "min – max", "target", "result", "note"];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((r) => r[i].length)));
  const line = (cells) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  console.log(`\n${line(header)}\n${widths.map((w) => "-".repeat(w)).join("  ")}`);
  for (const r of rows) console.log(line(r));
}

function writeResults(ctx, extra) {
  const dir = path.join(repoRoot, "bench-results");
  mkdirSync(dir, { recursive: true });
  const figures = ctx.figures.map((f) => ({ ...f, result: verdict(f) || null }));
  const report = {
    startedAt: ctx.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    runtimeSeconds: Math.round((Date.now() - ctx.startedAt.getTime()) / 100) / 10,
    machine: ctx.machine,
    git: ctx.git,
    options: ctx.opts,
    figures,
    phases: ctx.data,
    errors: ctx.errors,
    serverStderr: ctx.serverStderr,
    ...extra,
  };
  const json = `${JSON.stringify(report, (_key, value) => (typeof value === "number" && !Number.isFinite(value) ? null : value), 2)}\n`;
  const file = path.join(dir, `${ctx.startedAt.toISOString().replace(/:/g, "-")}.json`);
  writeFileSync(file, json);
  // latest.json always holds a complete run; an aborted one keeps only its own file.
  if (!extra.aborted) writeFileSync(path.join(dir, "latest.json"), json);
  return file;
}

function finish(ctx, extra = {}) {
  if (ctx.finished) return;
  ctx.finished = true;
  collectStderr(ctx);
  printTable(ctx.figures);
  for (const error of ctx.errors) console.log(`\nPhase ${error.phase} FAILED: ${error.message}`);
  const stderr = ctx.serverStderr;
  if (stderr.length) console.log(`\nHookyard wrote ${stderr.length} line(s) to stderr, first: ${stderr[0]}`);
  const file = writeResults(ctx, extra);
  console.log(
    `\nRuntime ${((Date.now() - ctx.startedAt.getTime()) / 1000).toFixed(1)} s on ${ctx.machine.cpus} cpus, Node ${ctx.machine.node}, commit ${ctx.git.commit.slice(0, 12)}${ctx.git.dirty ? " (dirty)" : ""}`,
  );
  console.log(`Results: ${path.relative(repoRoot, file)}${extra.aborted ? " (aborted run: latest.json left as it was)" : " and bench-results/latest.json"}`);
}

// ---------------------------------------------------------------- run

/** Ends children, loads and the browser; removes the temp dir unless --keep. */
async function cleanUp(ctx) {
  stopLoads();
  await ctx.browser?.close().catch(() => {});
  await stopAll();
  if (ctx.cluster) stopCluster(ctx.cluster);
  if (ctx.tmpDir && !ctx.opts?.keep) rmSync(ctx.tmpDir, { recursive: true, force: true });
  else if (ctx.tmpDir) console.log(`Kept ${ctx.tmpDir}`);
}

async function main() {
  process.chdir(repoRoot);
  const ctx = {
    opts: parseOptions(process.argv.slice(2)),
    startedAt: new Date(),
    machine: machineInfo(),
    git: gitInfo(),
    figures: [],
    data: {},
    errors: [],
    serverStderr: [],
    restartHookyard: (options) => restartHookyard(ctx, options),
    startSecondHookyard: () => startSecondHookyard(ctx),
    stopSecondHookyard: (second) => stopChild(second),
    /** process.memoryUsage() of Hookyard at its last GC'd reading (see gc-on-signal.mjs). */
    memoryUsage: () => JSON.parse(readFileSync(ctx.memoryFile, "utf8")),
    log: (message) => console.log(`${((Date.now() - ctx.startedAt.getTime()) / 1000).toFixed(1).padStart(6)}s  ${message}`),
  };

  // Whatever happens, children die with us: Ctrl-C, kill, the time limit, a crash.
  const abort = (reason, code) => {
    console.error(`\nAborting: ${reason}`);
    try {
      finish(ctx, { aborted: reason });
    } catch (error) {
      console.error(`could not write partial results: ${error.message}`);
    }
    void cleanUp(ctx).finally(() => process.exit(code));
  };
  process.once("SIGINT", () => abort("interrupted (SIGINT)", 130));
  process.once("SIGTERM", () => abort("terminated (SIGTERM)", 143));
  process.on("exit", () => {
    stopLoads();
    killAllNow();
  });
  const limit = setTimeout(() => abort(`time limit of ${ctx.opts.timeLimitSeconds} s reached`, 1), ctx.opts.timeLimitSeconds * 1000);
  limit.unref();

  ensureBuilt();
  ctx.tmpDir = mkdtempSync(path.join(os.tmpdir(), "hookyard-bench-"));
  ctx.memoryFile = path.join(ctx.tmpDir, "memory-usage.json");
  try {
    if (ctx.opts.db === "postgres") {
      ctx.cluster = await startCluster();
      ctx.log(`PostgreSQL cluster on port ${ctx.cluster.port}`);
    }
    await startServers(ctx);
    for (const name of ctx.opts.only) {
      ctx.log(`── phase ${name}`);
      try {
        const { figures, data } = await phases[name](ctx);
        ctx.figures.push(...figures);
        ctx.data[name] = data;
      } catch (error) {
        ctx.errors.push({ phase: name, message: error.message });
        ctx.log(`phase ${name} failed: ${error.stack ?? error.message}`);
        stopLoads();
        if (ctx.hook.entry.exited) break; // the server died: later phases would measure nothing
      }
    }
    finish(ctx);
  } finally {
    clearTimeout(limit);
    await cleanUp(ctx);
  }
  process.exitCode = ctx.errors.length ? 1 : 0;
}

main().catch((error) => {
  console.error(error.stack ?? error.message);
  killAllNow();
  process.exit(1);
});
