import http from "node:http";
import path from "node:path";
import next from "next";
import type { Config } from "../config.ts";
import { AutoForwarder } from "./auto-forward.ts";
import { applyConfiguredBins } from "./bins.ts";
import { captureRequest, clientIp, parseCaptureTarget, refuseConnect } from "./capture.ts";
import { createSqliteCaptureStore } from "./capture-store.ts";
import { closeDb, configureConnection } from "./db.ts";
import { getEventBus } from "./events.ts";
import { GroupCommitWriter } from "./group-commit.ts";
import { LiveStreams } from "./live-stream.ts";
import { MemoryBudget } from "./memory-budget.ts";
import { applyMigrations } from "./migrate.ts";
import { answerClientError, clientIpHeader, sendProblem } from "./node-http.ts";
import { onCaptureHost } from "./capture-origin.ts";
import { AppError } from "./errors.ts";
import { RateLimiter } from "./rate-limit.ts";
import { toSummary } from "./requests.ts";
import { RetentionSweeper, publishPruned } from "./retention.ts";

const streamRoute = /^\/api\/bins\/([^/?]+)\/stream(?:\?(.*))?$/;

/** A malformed escape (`%E0`, `%zz`) names no bin: keep it as sent so the lookup 404s. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export type RunningServer = { server: http.Server; url: string; close(): Promise<void> };

/**
 * Hookyard's process: migrates the database, then serves capture (`/b/*`) and the
 * live stream from its own listener and hands every other request to Next.
 * Capture stays outside Next's pipeline because Next only sees seven methods,
 * merges and lowercases headers, and costs many times the throughput.
 */
export async function startServer(config: Config): Promise<RunningServer> {
  applyMigrations(config.databaseFile, path.resolve("prisma", "migrations"));
  await configureConnection();
  await applyConfiguredBins(config.bins);

  const bus = getEventBus();
  const forwarder = new AutoForwarder(config.forward, bus);
  const captureStore = createSqliteCaptureStore(config.databaseFile, {
    maxCapturesPerBin: config.maxCapturesPerBin,
    maxBinBytes: config.maxBinBytes,
    maxDatabaseBytes: config.maxDatabaseBytes,
  });
  const writer = new GroupCommitWriter(captureStore, {
    maxPending: config.maxPendingCaptures,
    onCommitted: (row) => {
      bus.publish(row.binId, { type: "request", request: toSummary(row) });
      // Its job was committed with it; the worker takes it from the table.
      if (row.forwardJob) forwarder.wake();
    },
    onPruned: (pruned) => publishPruned(bus, pruned),
  });
  const budget = new MemoryBudget(config.maxBufferedBodyBytes);
  const rateLimiter = config.rateLimitPerSecond > 0 ? new RateLimiter(config.rateLimitPerSecond, config.rateLimitBurst) : null;
  const streams = new LiveStreams(bus, { heartbeatMs: config.sseHeartbeatMs });
  const sweeper = new RetentionSweeper(captureStore, bus, {
    captureTtlMs: config.captureTtlMs,
    binIdleTtlMs: config.binIdleTtlMs,
    keepBinIds: new Set(config.bins.map((bin) => bin.id)),
    intervalMs: config.sweepIntervalMs,
  });

  const server = http.createServer({
    // A client that never finishes its head or body (slowloris) is answered 408 and
    // dropped; the check runs often enough for short test timeouts to bite promptly.
    headersTimeout: config.headersTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(config.headersTimeoutMs / 4))),
  });
  const app = next({ dev: config.env === "development", hostname: config.host, port: config.port, httpServer: server });
  const handleWithNext = app.getRequestHandler();
  await app.prepare();
  await forwarder.start();

  server.on("request", (req, res) => {
    const target = req.url ?? "/";
    const capture = parseCaptureTarget(target);
    if (capture) {
      void captureRequest(req, res, capture, { config, writer, budget, rateLimiter });
      return;
    }
    // The capture origin (CAPTURE_URL) serves capture only: a custom answer there may set
    // cookies and redirects, so the dashboard, API and streams must never share it.
    if (onCaptureHost(req, config)) {
      sendProblem(res, new AppError("not_found", "Only capture URLs (/b/{bin}/…) are served on this host."));
      return;
    }
    const stream = req.method === "GET" ? streamRoute.exec(target) : null;
    if (stream) {
      const after = new URLSearchParams(stream[2] ?? "").get("after");
      void streams.serve(req, res, decodePathSegment(stream[1]!), after);
      return;
    }
    req.headers[clientIpHeader] = clientIp(req, config.trustProxy);
    void handleWithNext(req, res);
  });
  server.on("connect", (_req, socket) => refuseConnect(socket));
  server.on("clientError", answerClientError);

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  sweeper.start();

  return {
    server,
    url: `http://${config.host === "0.0.0.0" ? "localhost" : config.host}:${port}`,
    async close() {
      await sweeper.stop();
      streams.close();
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeIdleConnections();
      // Everything already acknowledged is committed; what is still queued gets written too.
      await writer.flushed();
      await forwarder.stop();
      await closed;
      await app.close();
      captureStore.close();
      await closeDb();
    },
  };
}
