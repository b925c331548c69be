// The five measured phases. Each takes the run context and returns
// { figures: [row...], data: {...raw measurements} }; a row is one line of the table.
import { randomFillSync } from "node:crypto";
import { existsSync } from "node:fs";
import { chromiumFlags, chromiumPath } from "../chromium.mjs";
import { performance } from "node:perf_hooks";
import { request, requestJson, openStream } from "./http-client.mjs";
import { jsonBody, runLoad } from "./load.mjs";
import { assertAlive, lowestSettledRss, readRss, sampleRss, settledRss } from "./processes.mjs";
import { median, quantile, sleep, summarize } from "./stats.mjs";

const MiB = 1024 * 1024;
const KiB = 1024;

/** A table row; `target` is { op: ">=" | "<=", value } or null for figures without one. */
const row = (phase, figure, unit, stats, target = null, note = "") => ({ phase, figure, unit, ...stats, target, note });
const single = (value) => summarize([value]);

/** A bin, with its owner token: every read of its API, stream and page sends it. */
export async function createBin(ctx) {
  return requestJson(`${ctx.hook.url}/api/bins`, { method: "POST" });
}

const owner = (bin) => ({ authorization: `Bearer ${bin.token}` });

/** Runs `fn` over `items` with at most `concurrency` in flight; results keep item order. */
async function mapPool(items, concurrency, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

// ---------------------------------------------------------------- 1. throughput

/**
 * Interleaved rounds (bare, Hookyard, bare, Hookyard...) so that both targets see the
 * same machine noise; the ratio is taken per round, where the two ran seconds apart.
 */
async function interleavedThroughput(ctx, label, rounds) {
  const { opts } = ctx;
  const bin = await createBin(ctx);
  const body = jsonBody(1024);
  const load = (url, duration) => runLoad({ url, body, connections: opts.connections, duration });
  const hookUrl = `${ctx.hook.url}/b/${bin.id}/throughput`;
  const bareUrl = `${ctx.bare.url}/b/${bin.id}/throughput`;

  // The JIT warms up on each process before anything is recorded: the bare server
  // once, Hookyard again after every restart.
  if (opts.warmup > 0 && !ctx.bareWarm) {
    ctx.log(`[${label}] warm-up of the bare server, ${opts.warmup}s (not recorded)`);
    await load(bareUrl, opts.warmup);
    ctx.bareWarm = true;
  }
  if (opts.warmup > 0 && ctx.warmHookPid !== ctx.hook.pid) {
    ctx.log(`[${label}] warm-up of Hookyard pid ${ctx.hook.pid}, ${opts.warmup}s (not recorded)`);
    await load(hookUrl, opts.warmup);
    ctx.warmHookPid = ctx.hook.pid;
  }

  const perRound = [];
  for (let round = 1; round <= rounds; round += 1) {
    const bare = await load(bareUrl, opts.duration);
    assertAlive(ctx.hook);
    const hook = await load(hookUrl, opts.duration);
    assertAlive(ctx.hook);
    const ratio = hook.requestsPerSecond / bare.requestsPerSecond;
    perRound.push({ round, bare, hookyard: hook, ratio });
    ctx.log(
      `[${label}] round ${round}/${rounds}: bare ${fmtInt(bare.requestsPerSecond)} req/s, Hookyard ${fmtInt(hook.requestsPerSecond)} req/s ` +
        `(p50 ${hook.latencyP50} ms, p99 ${hook.latencyP99} ms, non-2xx ${hook.non2xx}, errors ${hook.errors}), ratio ${hook.requestsPerSecond ? ratio.toFixed(3) : "—"}`,
    );
  }
  return { binId: bin.id, perRound };
}

function throughputRows(ctx, phase, result, prefix = "") {
  const pick = (fn) => summarize(result.perRound.map(fn));
  const failures = result.perRound.reduce((sum, r) => sum + r.hookyard.non2xx + r.hookyard.errors + r.hookyard.timeouts, 0);
  const bareFailures = result.perRound.reduce((sum, r) => sum + r.bare.non2xx + r.bare.errors + r.bare.timeouts, 0);
  return [
    row(
      phase,
      `${prefix}Hookyard capture req/s`,
      "req/s",
      pick((r) => r.hookyard.requestsPerSecond),
    ),
    row(
      phase,
      `${prefix}bare node:http req/s`,
      "req/s",
      pick((r) => r.bare.requestsPerSecond),
      null,
      bareFailures ? `${bareFailures} failed` : "",
    ),
    row(
      phase,
      `${prefix}Hookyard latency p50`,
      "ms",
      pick((r) => r.hookyard.latencyP50),
    ),
    row(
      phase,
      `${prefix}Hookyard latency p99`,
      "ms",
      pick((r) => r.hookyard.latencyP99),
    ),
    row(phase, `${prefix}Hookyard non-2xx + errors (total)`, "count", single(failures), { op: "<=", value: 0 }),
    row(
      phase,
      `${prefix}throughput ratio Hookyard ÷ bare`,
      "ratio",
      pick((r) => r.ratio),
      // The targets: SQLite ≥ 0.35 × bare; PostgreSQL (its server on the same two cores) ≥ 0.25 ×.
      { op: ">=", value: ctx.opts.db === "postgres" ? 0.25 : 0.35 },
      `per round: ${result.perRound.map((r) => r.ratio.toFixed(3)).join(", ")}`,
    ),
  ];
}

export async function throughputPhase(ctx) {
  const result = await interleavedThroughput(ctx, "throughput", ctx.opts.rounds);
  return { figures: throughputRows(ctx, "1 throughput", result), data: result };
}

// ---------------------------------------------------------------- 2. live latency

/**
 * Sequential probes: each POST goes to a unique sub-path and is timed from just before
 * the request is written until its `request` event arrives on the open stream.
 * `spreadMs` paces the starts evenly over a window (the load's duration); a probe that
 * is still running when the next is due simply delays it. No probe starts after
 * `stopAt` (the end of the load): `sent` tells how many ran.
 */
async function probeSeries(ctx, stream, binId, { count, tag, spreadMs = 0, stopAt = Infinity, captureUrl = ctx.hook.url }) {
  const waiting = new Map();
  const onEvent = (event) => {
    if (event.event !== "request") return;
    const path = JSON.parse(event.data).path;
    waiting.get(path)?.(event.at);
  };
  stream.onEvent(onEvent);
  const latencies = [];
  let lost = 0;
  let failed = 0;
  let sent = 0;
  const startedAt = performance.now();
  try {
    for (let i = 0; i < count; i += 1) {
      if (stream.closed) throw new Error(`the SSE stream closed during the probes (${stream.closeReason})`);
      const due = startedAt + (spreadMs * i) / count;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const path = `/probe-${tag}-${i}`;
      let timer;
      const arrived = new Promise((resolve) => {
        waiting.set(path, resolve);
        timer = setTimeout(() => resolve(null), ctx.opts.probeTimeoutMs);
      });
      const t0 = performance.now();
      if (t0 > stopAt) {
        clearTimeout(timer);
        break;
      }
      sent += 1;
      const response = await request(`${captureUrl}/b/${binId}${path}`, {
        method: "POST",
        body: `{"probe":${i}}`,
        headers: { "content-type": "application/json" },
      }).catch((error) => ({ status: 0, text: error.message }));
      if (response.status !== 200) failed += 1;
      const at = response.status === 200 ? await arrived : null;
      clearTimeout(timer);
      waiting.delete(path);
      if (at === null) lost += response.status === 200 ? 1 : 0;
      else latencies.push(at - t0);
    }
  } finally {
    stream.offEvent(onEvent);
  }
  return {
    count,
    sent,
    received: latencies.length,
    lost,
    failed,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    max: latencies.length ? Math.max(...latencies) : Number.NaN,
  };
}

export async function latencyPhase(ctx) {
  return measureLatency(ctx, { phase: "2 live latency", streamUrl: ctx.hook.url, prefix: "", idleP99: 20, loadedP99: 50 });
}

/**
 * Two Hookyard instances on one PostgreSQL database: each probe is captured by the first
 * and timed until its event arrives on a stream held by the second (through LISTEN/NOTIFY
 * and the second's catch-up read), idle and while the first takes the load on another bin.
 */
export async function instancesPhase(ctx) {
  if (ctx.opts.db !== "postgres") {
    return { figures: [row("2b two instances", "A → B: skipped", "ms", summarize([]), null, "needs --db postgres: SQLite is one process")], data: null };
  }
  const second = await ctx.startSecondHookyard();
  try {
    return await measureLatency(ctx, { phase: "2b two instances", streamUrl: second.url, prefix: "A → B ", idleP99: 50, loadedP99: 100 });
  } finally {
    await ctx.stopSecondHookyard(second);
  }
}

/** Probe series idle and under load, the probes captured by `ctx.hook` and heard on a stream at `streamUrl`. */
async function measureLatency(ctx, { phase, streamUrl, prefix, idleP99, loadedP99 }) {
  const { opts } = ctx;
  const probeBin = await createBin(ctx);
  const loadBin = await createBin(ctx);
  const stream = openStream(streamUrl, probeBin.id, { token: probeBin.token });
  await stream.ready;
  const idle = [];
  const loaded = [];
  try {
    for (let repeat = 1; repeat <= opts.latencyRepeats; repeat += 1) {
      idle.push(await probeSeries(ctx, stream, probeBin.id, { count: opts.probes, tag: `idle${repeat}` }));
      ctx.log(`[latency] idle ${repeat}/${opts.latencyRepeats}: ${describeProbes(idle.at(-1))}`);
      assertAlive(ctx.hook);

      // The load goes to another bin: the probe stream sees only the probes' events.
      let loadStarted;
      const begun = new Promise((resolve) => (loadStarted = resolve));
      const loadRun = runLoad({
        url: `${ctx.hook.url}/b/${loadBin.id}/load`,
        body: jsonBody(1024),
        connections: opts.connections,
        duration: opts.duration,
        onStart: () => loadStarted(performance.now()),
      });
      const loadStartedAt = await Promise.race([begun, loadRun.then(() => performance.now())]);
      await sleep(300); // let the load reach full speed before the first probe
      const windowMs = Math.max(0, opts.duration * 1000 - 800);
      const probes = await probeSeries(ctx, stream, probeBin.id, {
        count: opts.probes,
        tag: `load${repeat}`,
        spreadMs: windowMs,
        // Probes that would start after the load (less a margin) are not "under load": stop there.
        stopAt: loadStartedAt + opts.duration * 1000 - 200,
      });
      const load = await loadRun;
      loaded.push({ ...probes, load: { requestsPerSecond: load.requestsPerSecond, non2xx: load.non2xx, errors: load.errors } });
      ctx.log(`[latency] under load ${repeat}/${opts.latencyRepeats}: ${describeProbes(probes)}; load ${fmtInt(load.requestsPerSecond)} req/s`);
      assertAlive(ctx.hook);
    }
  } finally {
    stream.close();
  }
  const pick = (series, key) => summarize(series.map((s) => s[key]));
  const problems = (series) => {
    const lost = series.reduce((sum, s) => sum + s.lost + s.failed, 0);
    const sent = series.reduce((sum, s) => sum + s.sent, 0);
    const planned = series.reduce((sum, s) => sum + s.count, 0);
    return [lost ? `${lost} probes lost/failed` : "", sent < planned ? `${sent} of ${planned} probes fitted in the load window` : ""]
      .filter(Boolean)
      .join("; ");
  };
  return {
    figures: [
      row(phase, `${prefix}idle: POST → SSE event p50`, "ms", pick(idle, "p50")),
      row(phase, `${prefix}idle: p99`, "ms", pick(idle, "p99"), { op: "<=", value: idleP99 }, problems(idle)),
      row(phase, `${prefix}idle: max`, "ms", pick(idle, "max")),
      row(phase, `${prefix}under load: p50`, "ms", pick(loaded, "p50")),
      row(phase, `${prefix}under load: p99`, "ms", pick(loaded, "p99"), { op: "<=", value: loadedP99 }, problems(loaded)),
      row(phase, `${prefix}under load: max`, "ms", pick(loaded, "max")),
      row(phase, `${prefix}background load during probes`, "req/s", summarize(loaded.map((s) => s.load.requestsPerSecond))),
    ],
    data: { probesPerSeries: opts.probes, idle, loaded },
  };
}

const describeProbes = (s) => `p50 ${fmt(s.p50)} ms, p99 ${fmt(s.p99)} ms, max ${fmt(s.max)} ms, ${s.received}/${s.sent} received (${s.count} planned)`;

// ---------------------------------------------------------------- 3. idle live clients

/** Opens a stream on each bin, at most 100 handshakes in flight, and waits for every `ready`. */
async function openStreams(ctx, bins) {
  // Far below the listen backlog, so the time measured is the server's and not SYN
  // retries of an overflowing accept queue.
  return mapPool(bins, 100, async (bin) => {
    const stream = openStream(ctx.hook.url, bin.id, { token: bin.token });
    await stream.ready;
    return stream;
  }).catch((error) => {
    throw new Error(`opening ${bins.length} streams failed: ${error.message}`);
  });
}

export async function clientsPhase(ctx) {
  const { opts } = ctx;
  await ctx.restartHookyard(); // a baseline not inflated by earlier phases (see restartHookyard)
  const creating = performance.now();
  // Bins are created through Next's route handler; a little concurrency keeps this short.
  // Two sets: streams on the first set are the warm-up and stay open while the second
  // set is measured.
  const allBins = await mapPool(Array.from({ length: opts.clients * 2 }), 8, () => createBin(ctx));
  ctx.log(`[clients] created ${allBins.length} bins in ${fmt((performance.now() - creating) / 1000)} s`);
  // Creating them left garbage, and heap freed later would hide the streams' memory:
  // measure in a new process on the same database, where the bins already exist.
  await ctx.restartHookyard({ keepDatabase: true });
  const firstBins = allBins.slice(0, opts.clients);
  const bins = allBins.slice(opts.clients);

  // The first burst of streams in a new process also pays one-off costs that do not
  // grow with the number of streams (JIT compilation, Prisma's first queries, the
  // allocator's and V8's first growth): ~12–19 MiB that a second burst of as many new
  // bins does not add again. So the figure is the marginal cost: the RSS the second
  // `clients` streams (each on a bin not looked up before) add to a server already
  // holding the first ones. The first ones stay open, so the second cannot reuse
  // memory the first freed; their own figure is reported too, without a target.
  const firstBaseline = await lowestSettledRss(ctx.hook.pid);
  const firstStreams = await openStreams(ctx, firstBins);
  let streams = [];
  try {
    const baseline = await lowestSettledRss(ctx.hook.pid);
    const firstPerClient = (baseline - firstBaseline) / opts.clients;
    const heapBefore = ctx.memoryUsage();
    const opening = performance.now();
    streams = await openStreams(ctx, bins);
    const openMs = performance.now() - opening;
    ctx.log(`[clients] ${streams.length} more streams open in ${fmt(openMs)} ms`);

    const withClients = await lowestSettledRss(ctx.hook.pid);
    const perClient = (withClients - baseline) / opts.clients;
    // What the streams still hold after a full GC, apart from what V8 and the allocator keep.
    const heapAfter = ctx.memoryUsage();
    const livePerClient = (heapAfter.heapUsed + heapAfter.external - heapBefore.heapUsed - heapBefore.external) / opts.clients;
    ctx.log(
      `[clients] RSS ${fmtMiB(firstBaseline)} → ${fmtMiB(baseline)} with the first ${opts.clients} streams (${fmt(firstPerClient / KiB)} KiB each) → ${fmtMiB(withClients)} with ${opts.clients} more: ${fmt(perClient / KiB)} KiB per stream, ${fmt(livePerClient / KiB)} KiB of it live JS`,
    );

    // The load runs with the measured streams open, as before; the first set closes.
    for (const stream of firstStreams) stream.close();
    await sleep(500);
    const throughput = await interleavedThroughput(ctx, "clients", opts.clientsRounds);
    const dropped = streams.filter((stream) => stream.closed).length;
    const afterLoad = readRss(ctx.hook.pid);
    return {
      figures: [
        row("3 idle clients", `time to open ${opts.clients} SSE streams`, "ms", single(openMs), null, `${opts.clients} already open`),
        row(
          "3 idle clients",
          "RSS per idle SSE client (marginal)",
          "KiB",
          single(perClient / KiB),
          { op: "<=", value: 6 },
          `${fmtMiB(baseline)} → ${fmtMiB(withClients)} with ${opts.clients} more streams, each on a new bin`,
        ),
        row(
          "3 idle clients",
          "RSS per client, first streams of a new process",
          "KiB",
          single(firstPerClient / KiB),
          null,
          `${fmtMiB(firstBaseline)} → ${fmtMiB(baseline)}; includes one-off process growth`,
        ),
        row(
          "3 idle clients",
          "JS heap + external still held per client after GC",
          "KiB",
          single(livePerClient / KiB),
          null,
          "live objects only; RSS also counts heap V8 keeps",
        ),
        ...throughputRows(ctx, "3 idle clients", throughput, "with clients: "),
        row("3 idle clients", "streams dropped during the load", "count", single(dropped), { op: "<=", value: 0 }),
      ],
      data: {
        clients: opts.clients,
        firstBaselineRss: firstBaseline,
        firstPerClientBytes: firstPerClient,
        baselineRss: baseline,
        rssWithClients: withClients,
        heapBefore,
        heapAfter,
        livePerClientBytes: livePerClient,
        rssAfterLoad: afterLoad,
        perClientBytes: perClient,
        openMs,
        dropped,
        throughput,
      },
    };
  } finally {
    for (const stream of [...firstStreams, ...streams]) stream.close();
    await sleep(500); // let the server see the disconnects before the next phase
  }
}

// ---------------------------------------------------------------- 4. large bodies

export async function largeBodiesPhase(ctx) {
  const { opts } = ctx;
  const size = 10 * MiB; // exactly the default MAX_BODY_BYTES
  await ctx.restartHookyard();
  const body = randomFillSync(Buffer.alloc(size)); // random: nothing along the way can shrink it
  const bin = await createBin(ctx);
  const baseline = await settledRss(ctx.hook.pid, { gc: true });
  const usageBefore = ctx.memoryUsage();
  const sampler = sampleRss(ctx.hook.pid, 5);
  const times = [];
  let failures = 0;
  const started = performance.now();
  let sampled;
  try {
    // One at a time: the figure is the memory one capture of this size costs.
    for (let i = 0; i < opts.largeCount; i += 1) {
      const response = await request(`${ctx.hook.url}/b/${bin.id}/large-${i}`, {
        method: "POST",
        body,
        headers: { "content-type": "application/octet-stream" },
        timeoutMs: 60_000,
      });
      if (response.status !== 200) failures += 1;
      times.push(response.ms);
    }
  } finally {
    sampled = sampler.stop();
  }
  const { peak, samples } = sampled;
  const totalMs = performance.now() - started;
  assertAlive(ctx.hook);
  const after = await settledRss(ctx.hook.pid, { gc: true });
  const usageAfter = ctx.memoryUsage();
  const held = (key) => fmtMiB(usageAfter[key] - usageBefore[key]);

  // Check that what was acknowledged is stored whole.
  const page = await requestJson(`${ctx.hook.url}/api/bins/${bin.id}/requests?limit=50`, { headers: owner(bin) });
  const stored = page.requests.filter((r) => r.size === size).length;
  const growth = peak - baseline;
  ctx.log(
    `[large] ${opts.largeCount} × 10 MiB in ${fmt(totalMs)} ms; RSS ${fmtMiB(baseline)} → peak ${fmtMiB(peak)} (${samples} samples), after GC ${fmtMiB(after)} (JS heap ${held("heapUsed")}, external ${held("external")}, array buffers ${held("arrayBuffers")} more than before); ${stored} stored at full size`,
  );
  return {
    figures: [
      row("4 large bodies", `${opts.largeCount} × 10 MiB captures, total`, "ms", single(totalMs), null, `per capture median ${fmt(median(times))} ms`),
      row("4 large bodies", "peak RSS growth ÷ body size", "×", single(growth / size), { op: "<=", value: 3 }, `+${fmtMiB(growth)} over ${fmtMiB(baseline)}`),
      row(
        "4 large bodies",
        "RSS growth still there after a full GC ÷ body size",
        "×",
        single((after - baseline) / size),
        null,
        `+${fmtMiB(after - baseline)}; JS heap +${held("heapUsed")}, external +${held("external")}`,
      ),
      row("4 large bodies", "failed or not stored at full size", "count", single(failures + (opts.largeCount - stored)), { op: "<=", value: 0 }),
    ],
    data: {
      bodyBytes: size,
      count: opts.largeCount,
      totalMs,
      perCaptureMs: times,
      baselineRss: baseline,
      peakRss: peak,
      settledRssAfter: after,
      memoryUsageBefore: usageBefore,
      memoryUsageAfter: usageAfter,
      samples,
      failures,
      storedFullSize: stored,
    },
  };
}

// ---------------------------------------------------------------- 5. a big bin

export async function bigBinPhase(ctx) {
  const { opts } = ctx;
  const bin = await createBin(ctx);
  const seeding = performance.now();
  const seed = await runLoad({ url: `${ctx.hook.url}/b/${bin.id}/seed`, body: jsonBody(1024), connections: opts.connections, amount: opts.bigBin });
  const seedMs = performance.now() - seeding;
  assertAlive(ctx.hook);
  const info = await requestJson(`${ctx.hook.url}/api/bins/${bin.id}`, { headers: owner(bin) });
  ctx.log(
    `[big bin] seeded ${seed.ok2xx} captures (non-2xx ${seed.non2xx}, errors ${seed.errors}) in ${fmt(seedMs / 1000)} s; the bin holds ${info.requestCount}`,
  );

  const pageTimes = [];
  for (let i = 0; i < opts.pageRepeats; i += 1) {
    const response = await request(`${ctx.hook.url}/api/bins/${bin.id}/requests?limit=50`, { headers: owner(bin) });
    const count = response.status === 200 ? JSON.parse(response.text).requests.length : 0;
    if (count !== Math.min(50, info.requestCount)) throw new Error(`first page answered ${response.status} with ${count} items`);
    pageTimes.push(response.ms);
  }
  ctx.log(`[big bin] first page API: median ${fmt(median(pageTimes))} ms`);

  const usable = await pageUsableTimes(ctx, ctx.hook.url, bin);
  ctx.log(`[big bin] ${usable.method}: median ${fmt(median(usable.times))} ms`);
  const breakdownNote = usable.breakdowns
    ? `median ms: HTML received ${fmt(median(usable.breakdowns.map((b) => b.responseEnd)))}, item visible ${fmt(median(usable.breakdowns.map((b) => b.itemVisible)))}, EventSource created ${fmt(median(usable.breakdowns.map((b) => b.streamCreated)))}, ready ${fmt(median(usable.breakdowns.map((b) => b.streamReady)))}, Live ${fmt(median(usable.breakdowns.map((b) => b.live)))}`
    : "";
  if (breakdownNote) ctx.log(`[big bin] ${breakdownNote}`);
  const seedRow = row(
    "5 big bin",
    `seed ${opts.bigBin} captures through /b/`,
    "req/s",
    single(seed.ok2xx / (seedMs / 1000)),
    null,
    `${fmt(seedMs / 1000)} s; non-2xx+errors ${seed.non2xx + seed.errors}`,
  );
  return {
    figures: [
      seedRow,
      row("5 big bin", "captures in the bin (count)", "count", single(info.requestCount), { op: ">=", value: opts.bigBin }),
      row("5 big bin", "first page from the API (limit=50)", "ms", summarize(pageTimes), { op: "<=", value: 100 }),
      usable.browser
        ? row("5 big bin", "bin page usable in Chromium", "ms", summarize(usable.times), { op: "<=", value: 500 }, breakdownNote)
        : row(
            "5 big bin",
            "bin page HTML fetch (NO Chromium found)",
            "ms",
            summarize(usable.times),
            null,
            "not the browser figure: install chromium or set CHROMIUM_PATH",
          ),
      ...(usable.homeTimes
        ? [
            row(
              "5 big bin",
              "home page hydrated in Chromium (the framework's floor)",
              "ms",
              summarize(usable.homeTimes),
              null,
              "loads interleaved with the bin page's",
            ),
            row(
              "5 big bin",
              "bin page usable ÷ home page hydrated",
              "ratio",
              summarize(usable.times.map((time, i) => time / usable.homeTimes[i])),
              null,
              "per pair of loads",
            ),
            row(
              "5 big bin",
              "bin page usable, opened from the dashboard",
              "ms",
              summarize(usable.fromDashboardTimes),
              { op: "<=", value: 500 },
              "after the home page in the same context: the app's scripts cached, as when a visitor opens a bin",
            ),
          ]
        : []),
    ],
    data: { binId: bin.id, seed: { ...seed, elapsedMs: seedMs }, requestCount: info.requestCount, firstPageMs: pageTimes, pageUsable: usable },
  };
}

// watchUsable, navigationBreakdown and watchHomeHydrated run in the browser (Playwright
// serialises them into the page), where these exist.
/* global window, document, MutationObserver */

/**
 * Records, inside the page, the first moment (performance.now(), i.e. ms since the
 * navigation started) when a list item is visible and the live status reads "Live".
 * A MutationObserver sees the DOM change as it happens, so the time does not include
 * Playwright's polling or the round trip back to this process.
 */
function watchUsable() {
  const marks = {};
  window.__benchMarks = marks;
  // Note when the page's EventSource is created (by the page's inline script, before hydration) and when its `ready`
  // event arrives, to tell client-side work from the stream's own delay.
  const NativeEventSource = window.EventSource;
  window.EventSource = class extends NativeEventSource {
    constructor(...args) {
      super(...args);
      marks.streamCreated ??= performance.now();
      this.addEventListener("ready", () => (marks.streamReady ??= performance.now()));
    }
  };
  const check = () => {
    const item = document.querySelector("[data-request-id]");
    const status = document.querySelector("[data-testid=live-status]");
    const now = performance.now();
    if (marks.itemVisible === undefined && item?.checkVisibility()) marks.itemVisible = now;
    if (marks.live === undefined && status?.textContent?.trim() === "Live") marks.live = now;
    if (marks.itemVisible !== undefined && marks.live !== undefined) {
      window.__benchUsableAt = now;
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
}

/** Where the time went, from the Navigation Timing entry and the marks above. */
function navigationBreakdown() {
  const [nav] = performance.getEntriesByType("navigation");
  const round = (value) => Math.round(value * 10) / 10;
  return {
    responseStart: round(nav.responseStart),
    responseEnd: round(nav.responseEnd),
    domContentLoaded: round(nav.domContentLoadedEventEnd),
    itemVisible: round(window.__benchMarks?.itemVisible),
    streamCreated: round(window.__benchMarks?.streamCreated),
    streamReady: round(window.__benchMarks?.streamReady),
    live: round(window.__benchMarks?.live),
    usable: round(window.__benchUsableAt),
  };
}

/**
 * Records, inside the home page, the first moment its recent-bins list (read from
 * localStorage, which the server cannot see) shows the seeded bin: React has hydrated
 * the lightest page of the same build. That is the floor any page of the app pays for
 * loading and starting React and Next in this browser on this machine.
 */
function watchHomeHydrated(binId) {
  localStorage.setItem("hookyard.recentBins", JSON.stringify([{ id: binId, url: `/b/${binId}`, openedAt: Date.now() }]));
  const observer = new MutationObserver(() => {
    if (document.querySelector(`a[href="/bins/${binId}"]`)?.checkVisibility()) {
      window.__benchUsableAt = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document, { subtree: true, childList: true });
}

/**
 * Loads the bin page, the home page, and the bin page again right after the home page
 * in turn (interleaved, like bare and Hookyard in the throughput phase, so all see the
 * same machine), each in a fresh browser context.
 */
async function pageUsableTimes(ctx, origin, bin) {
  const binId = bin.id;
  const url = `${origin}/bins/${binId}`;
  // The cookies the browser that made the bin holds (see lib/server/access/cookies.ts).
  const cookies = [`/bins/${binId}`, `/api/bins/${binId}`].map((path) => ({ name: "hookyard_bin", value: bin.token, domain: new URL(origin).hostname, path }));
  const executablePath = chromiumPath();
  if (!executablePath || !existsSync(executablePath)) {
    const times = [];
    for (let i = 0; i < ctx.opts.browserRepeats; i += 1) {
      const response = await request(url, { headers: { accept: "text/html", cookie: `hookyard_bin=${bin.token}` } });
      if (response.status !== 200) throw new Error(`bin page answered ${response.status}`);
      times.push(response.ms);
    }
    return { browser: false, method: `HTML fetch (no Chromium at ${executablePath})`, times };
  }
  const { chromium } = await import("@playwright/test");
  const browser = await chromium.launch({ executablePath, args: chromiumFlags });
  ctx.browser = browser; // so Ctrl-C can close it
  // A fresh context each time: no cache, like a first visit, or (`after`) with the
  // cache that loading `after` first left, like a visitor who came from there.
  const load = async (pageUrl, initScript, arg, after) => {
    const context = await browser.newContext();
    try {
      await context.addCookies(cookies);
      const page = await context.newPage();
      // Settled, as a dashboard is by the time someone clicks on it.
      if (after) await page.goto(after, { waitUntil: "networkidle", timeout: 30_000 });
      await page.addInitScript(initScript, arg);
      await page.goto(pageUrl, { waitUntil: "commit", timeout: 30_000 });
      await page.waitForFunction(() => window.__benchUsableAt !== undefined, null, { timeout: 30_000 });
      return await page.evaluate(navigationBreakdown);
    } finally {
      await context.close();
    }
  };
  const times = [];
  const breakdowns = [];
  const homeTimes = [];
  const fromDashboardTimes = [];
  try {
    // Unrecorded, like the throughput phase's warm-up: a new process renders each page
    // for the first time 100-250 ms slower (Next loads the route's modules), and the
    // figures are about a running server.
    await load(url, watchUsable);
    await load(`${origin}/`, watchHomeHydrated, binId);
    for (let i = 0; i < ctx.opts.browserRepeats; i += 1) {
      const breakdown = await load(url, watchUsable);
      times.push(breakdown.usable);
      breakdowns.push(breakdown);
      homeTimes.push((await load(`${origin}/`, watchHomeHydrated, binId)).usable);
      fromDashboardTimes.push((await load(url, watchUsable, undefined, `${origin}/`)).usable);
    }
  } finally {
    ctx.browser = null;
    await browser.close();
  }
  return { browser: true, method: `Chromium ${browser.version()} page usable`, times, breakdowns, homeTimes, fromDashboardTimes };
}

// ---------------------------------------------------------------- formatting

export const fmt = (value) =>
  Number.isFinite(value) ? (Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2)) : "—";
export const fmtInt = (value) => (Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "—");
export const fmtMiB = (bytes) => `${(bytes / MiB).toFixed(1)} MiB`;
