import { EventEmitter } from "node:events";
import http from "node:http";
import type { Duplex } from "node:stream";
import next from "next";
import type { Config } from "../config.ts";
import { authorizeBin } from "./access/authorize.ts";
import { isGrantLive } from "./access/grants.ts";
import { credentialsFrom } from "./access/credentials.ts";
import { AutoForwarder } from "./forwarding/auto-forward.ts";
import { clientKey } from "./http/client-key.ts";
import { refuseUnlessLocal } from "./http/local-only.ts";
import { applyConfiguredBins } from "./bins/declared.ts";
import { captureRequest, clientIp, parseCaptureTarget, peerIsTrustedProxy, refuseConnect } from "./capture/capture.ts";
import { createLiveBus } from "./live/open-bus.ts";
import { GroupCommitWriter } from "./storage/group-commit.ts";
import { LiveStreams } from "./live/live-stream.ts";
import { sharedMemoryBudget } from "./capture/memory-budget.ts";
import { openStorage } from "./storage/open-storage.ts";
import { registerStorageProbe } from "./storage/storage-health.ts";
import { closeStorage, installStorage } from "./storage/storage.ts";
import { answerClientError, clientIpHeader, sendProblem } from "./http/node-http.ts";
import { onCaptureHost } from "./capture/capture-origin.ts";
import { AppError } from "./errors.ts";
import { RateLimiter } from "./http/rate-limit.ts";
import { toSummary } from "./storage/requests.ts";
import {
  answerAsteriskTarget,
  dropForwardingHeaders,
  isHotReloadTarget,
  limitBody,
  nextBodyLimit,
  originFormTarget,
  refuseUpgrade,
} from "./http/request-guards.ts";
import { RetentionSweeper, publishPruned } from "./storage/retention.ts";

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
  // The bus first: with PostgreSQL the writer sends its capture notices.
  const live = createLiveBus(config.database);
  // Migrated on open; every module reaches it through getStorage() from here on.
  const storage = installStorage(await openStorage(config, { captureNotices: live.captureNotices }));
  // While storage is marked full, /api/health asks the driver for a trial write.
  registerStorageProbe(() => storage.health.probeWrite());
  await live.start();
  await applyConfiguredBins(config.bins);

  const bus = live.bus;
  // Several instances share the job table: each also looks now and then for jobs it was not told of.
  const forwarder = new AutoForwarder(config.forward, bus, storage.kind === "postgres" ? { pollMs: 5_000 } : {});
  const writer = new GroupCommitWriter(storage.writer, {
    maxPending: config.maxPendingCaptures,
    onCommitted: (row, seq) => {
      bus.publish(row.binId, { type: "request", request: toSummary({ ...row, seq }) });
      // Its job was committed with it; the worker takes it from the table.
      if (row.forwardJob && row.forwardJob.notSent === undefined) forwarder.wake();
    },
    onPruned: (pruned) => publishPruned(bus, pruned),
  });
  const budget = sharedMemoryBudget(config.maxBufferedBodyBytes);
  const rateLimiter = config.rateLimitPerSecond > 0 ? new RateLimiter(config.rateLimitPerSecond, config.rateLimitBurst) : null;
  const streams = new LiveStreams(bus, {
    heartbeatMs: config.sseHeartbeatMs,
    maxPerClient: config.maxStreamsPerIp,
    maxTotal: config.maxStreams,
    grantIsLive: (binId, grantId) => isGrantLive(binId, grantId),
    authorize: (req, binId, clientAddress) =>
      authorizeBin(binId, "read", credentialsFrom(req.headers, clientAddress, peerIsTrustedProxy(req, config.trustProxy))),
  });
  const sweeper = new RetentionSweeper(storage.writer, bus, {
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
    // A head over MAX_HEADER_BYTES is refused by Node's parser, answered 431 through
    // `clientError` (answerClientError) before any request exists: nothing is stored.
    maxHeaderSize: config.maxHeaderBytes,
  });
  // By default Node keeps only the first 2,000 headers and drops the rest without a
  // word: a capture must hold every header sent, or be refused. With no count limit,
  // MAX_HEADER_BYTES alone bounds how many there can be (one in four bytes at most).
  server.maxHeadersCount = 0;

  // Next adds its own `upgrade` listener to the server it is given, on the first request
  // it handles; it answers nothing but its dev-mode hot reload and leaves every other
  // upgraded socket open forever. So Next gets a stand-in to add it to, and the real
  // server has none in production: Node then treats an upgrade request as an ordinary
  // request, which is captured or answered like any other, on a connection that closes.
  const nextUpgrades = new EventEmitter();
  const app = next({
    dev: config.env === "development",
    hostname: config.host,
    port: config.port,
    // Next only calls `.on("upgrade", …)` on it (next/dist/server/next.js, setupWebSocketHandler).
    httpServer: nextUpgrades as unknown as http.Server,
  });
  const handleWithNext = app.getRequestHandler();
  await app.prepare();
  await forwarder.start();

  const handle = (req: http.IncomingMessage, res: http.ServerResponse, expectsContinue: boolean) => {
    // The request line and headers were parsed as HTTP/1.1 and the rest is not read
    // as another protocol: the connection ends with this answer.
    // So does one that asked for 100-continue: refused before its body, the client may
    // send the body anyway or not, and only closing leaves no doubt where the next request starts.
    if (req.headers.upgrade !== undefined || expectsContinue) res.shouldKeepAlive = false;
    const rawTarget = req.url ?? "/";
    const capture = parseCaptureTarget(rawTarget);
    if (capture) {
      void captureRequest(req, res, capture, { config, writer, budget, rateLimiter }, expectsContinue);
      return;
    }
    // The capture origin (CAPTURE_URL) serves capture only: a custom answer there may set
    // cookies and redirects, so the dashboard, API and streams must never share it.
    if (onCaptureHost(req, config)) {
      sendProblem(res, new AppError("not_found", "Only capture URLs (/b/{bin}/…) are served on this host."));
      return;
    }
    if (rawTarget === "*") {
      answerAsteriskTarget(req, res);
      return;
    }
    const origin = originFormTarget(rawTarget);
    if ("problem" in origin) {
      sendProblem(res, origin.problem, { Connection: "close" });
      return;
    }
    const target = origin.target;
    req.url = target;
    try {
      refuseUnlessLocal(req, config);
    } catch (error) {
      sendProblem(res, error);
      return;
    }
    const ip = clientIp(req, config.trustProxy);
    const stream = req.method === "GET" ? streamRoute.exec(target) : null;
    if (stream) {
      if (expectsContinue) res.writeContinue();
      const after = new URLSearchParams(stream[2] ?? "").get("after");
      void streams.serve(req, res, decodePathSegment(stream[1]!), after, clientKey(ip));
      return;
    }
    if (!limitBody(req, res, nextBodyLimit(target, config))) return;
    if (!peerIsTrustedProxy(req, config.trustProxy)) dropForwardingHeaders(req);
    req.headers[clientIpHeader] = ip;
    if (expectsContinue) res.writeContinue();
    void handleWithNext(req, res);
  };
  server.on("request", (req, res) => handle(req, res, false));
  // Without this Node sends `100 Continue` before any code of ours runs; with it the
  // client hears 404, 413 or 429 instead, before it sends a body that would be refused.
  server.on("checkContinue", (req, res) => handle(req, res, true));
  if (config.env === "development") {
    // Any `upgrade` listener takes every upgrade request away from `request`: in
    // development only, for the hot reload, which is refused everything else.
    server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      if (isHotReloadTarget(req.url ?? "/") && nextUpgrades.listenerCount("upgrade") > 0) nextUpgrades.emit("upgrade", req, socket, head);
      else refuseUpgrade(socket);
    });
  }
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
      registerStorageProbe(null);
      await live.close();
      await closeStorage();
    },
  };
}
