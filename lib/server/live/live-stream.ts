import type { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import type { BinEvent, StreamedBinEvent } from "../../types.ts";
import type { BinAccess } from "../access/authorize.ts";
import { binNotFound } from "../bins/bins.ts";
import { binExists } from "../bins/settings.ts";
import { markBinVisited } from "../bins/visits.ts";
import { AppError } from "../errors.ts";
import type { EventBus } from "./events.ts";
import { isRequestId } from "../bins/ids.ts";
import { sendProblem } from "../http/node-http.ts";
import { listRequestsAfter, seqOfRequestId } from "../storage/requests.ts";

export type LiveStreamOptions = {
  heartbeatMs: number;
  /**
   * The request's access to the bin (see access/authorize.ts), which decides what the
   * stream carries and how long it lasts; throws an AppError for one that may not read it.
   */
  authorize: (req: IncomingMessage, binId: string, clientAddress: string) => Promise<BinAccess>;
  /**
   * Whether the grant a stream was opened with still opens the bin, asked on `resync`: a
   * revocation made on another instance while this one was not listening was never heard.
   */
  grantIsLive?: (binId: string, grantId: string) => Promise<boolean>;
  /** Streams one client address may hold open (MAX_STREAMS_PER_IP); beyond it, 429. */
  maxPerClient?: number;
  /** Streams open at once across all clients (MAX_STREAMS); beyond it, 503. */
  maxTotal?: number;
  /** A client that lets this much pile up unread is dropped; it resumes with Last-Event-ID. */
  maxBufferedBytes?: number;
  replayPageSize?: number;
};

/** A place in the bin (`seq`, `0` for the start): what event ids are. */
const seqPattern = /^(0|[1-9][0-9]{0,14})$/;

/**
 * Server-Sent Events for one bin, served by the custom server's own listener: a
 * plain Node response costs a fraction of what a Next route handler holds per open
 * connection. One shared timer sends the heartbeat to every open stream.
 */
export class LiveStreams {
  private readonly open = new Set<Socket>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly maxBufferedBytes: number;
  private readonly replayPageSize: number;
  private readonly authorize: LiveStreamOptions["authorize"];
  private readonly grantIsLive: LiveStreamOptions["grantIsLive"];
  private readonly maxPerClient: number;
  private readonly maxTotal: number;
  /** Streams held per client address, counted from the moment one is asked for. */
  private readonly perClient = new Map<string, number>();
  private held = 0;

  constructor(
    private readonly bus: EventBus,
    options: LiveStreamOptions,
  ) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
    this.replayPageSize = options.replayPageSize ?? 500;
    this.authorize = options.authorize;
    this.grantIsLive = options.grantIsLive;
    this.maxPerClient = options.maxPerClient ?? Number.POSITIVE_INFINITY;
    this.maxTotal = options.maxTotal ?? Number.POSITIVE_INFINITY;
    this.heartbeat = setInterval(() => this.ping(), options.heartbeatMs);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.open.size;
  }

  /**
   * Streams the bin's events. With `Last-Event-ID` (or `?after=<seq>`, or `?after=0`
   * for everything), first replays every capture after that place in order, then
   * continues live without a gap or a duplicate. A capture id is taken too (event ids
   * were ids before captures had places): the stream resumes after that capture. A client already holding
   * `maxPerClient` streams gets 429, and any client 503 while `maxTotal` are open;
   * streams already open are not touched.
   *
   * A viewer's stream carries no `forward-attempt` (what was sent where, with which
   * headers, and the target's answer are the owner's, as `/forwards` is). A stream lasts
   * as long as the grant it was opened with: it is cut off when that grant is revoked
   * (a `grant-revoked` event on the bus, so it works wherever the revocation was made)
   * or expires.
   */
  async serve(req: IncomingMessage, res: ServerResponse, binId: string, after: string | null, clientAddress: string): Promise<void> {
    let resumeFrom = 0;
    let replay = false;
    let release: () => void;
    try {
      // Taken before the first await, so a burst of requests cannot all pass the check.
      release = this.takeSlot(clientAddress);
    } catch (error) {
      sendProblem(res, error, { Connection: "close" });
      return;
    }
    // Listening from before the grant is looked up: a revocation that lands between the
    // lookup and the stream's start is heard and refuses the stream. Until the stream
    // starts nothing else is kept, as before it there is nobody to send it to.
    const revokedMeanwhile = new Set<string>();
    let onEvent = (event: BinEvent) => {
      if (event.type === "grant-revoked") revokedMeanwhile.add(event.grantId);
    };
    const unsubscribe = this.bus.subscribe(binId, (event) => onEvent(event));
    let access: BinAccess;
    try {
      const lastEventId = req.headers["last-event-id"];
      const requested = typeof lastEventId === "string" && lastEventId !== "" ? lastEventId : after;
      if (requested !== null) {
        if (!seqPattern.test(requested) && !isRequestId(requested)) {
          throw new AppError("bad_request", "Last-Event-ID / after must be an event id (a capture's seq), or 0 for the whole bin.");
        }
        replay = true;
      }
      access = await this.authorize(req, binId, clientAddress);
      if (!(await binExists(binId)) || revokedMeanwhile.has(access.grantId) || hasExpired(access)) throw binNotFound(binId);
      // Only once the caller may read the bin: a lookup by id tells what the bin holds.
      if (requested !== null) resumeFrom = seqPattern.test(requested) ? Number(requested) : await seqOfRequestId(binId, requested);
    } catch (error) {
      unsubscribe();
      release();
      sendProblem(res, error);
      return;
    }
    // An open dashboard is a use of the bin: it is not swept as idle.
    markBinVisited(binId).catch((error: unknown) => console.error("[stream] could not record the visit", error));

    const stream = takeOverSocket(res);
    if (!stream) {
      unsubscribe();
      release();
      return;
    }
    this.write(stream, "retry: 2000\nevent: ready\ndata: {}\n\n");

    // Live events are taken before the backlog is read so nothing committed in between
    // is missed; they wait in `held` until the backlog is out.
    let held: StreamedBinEvent[] | null = replay ? [] : null;
    let lastSentSeq = resumeFrom;
    const send = (event: StreamedBinEvent) => {
      if (event.type === "forward-attempt" && access.role !== "owner") return;
      if (event.type === "request") {
        if (event.request.seq <= lastSentSeq) return;
        lastSentSeq = event.request.seq;
      }
      this.write(stream, formatEvent(event));
      if (event.type === "bin-deleted") stream.end();
    };
    onEvent = (event) => {
      if (event.type === "grant-revoked") {
        // Destroyed, not ended: not even what is still queued goes to someone who may no
        // longer read the bin. Other streams hear nothing of it, not even the grant's id.
        if (event.grantId === access.grantId) stream.destroy();
        return;
      }
      if (event.type === "resync" && this.grantIsLive) {
        this.grantIsLive(binId, access.grantId)
          .then((live) => {
            if (!live) stream.destroy();
          })
          .catch((error: unknown) => console.error("[stream] could not check the stream's grant after a resync", error));
      }
      if (held) held.push(event);
      else send(event);
    };
    this.open.add(stream);
    const expiry = access.expiresAt === null ? null : runAt(access.expiresAt, () => stream.destroy());
    stream.on("close", () => {
      expiry?.cancel();
      unsubscribe();
      this.open.delete(stream);
      release();
    });

    if (!replay) return;
    try {
      for (;;) {
        const page = await listRequestsAfter(binId, lastSentSeq, this.replayPageSize);
        for (const request of page) {
          if (stream.destroyed) break;
          send({ type: "request", request });
          // Pace the replay by the client: a page of long-URL summaries can exceed
          // maxBufferedBytes, and `write` would drop a healthy client mid-backlog.
          if (stream.writableNeedDrain) await drainedOrClosed(stream);
        }
        if (page.length < this.replayPageSize || stream.destroyed) break;
      }
    } catch (error) {
      console.error("[stream] replay failed", error);
      stream.destroy();
      return;
    }
    const backlog = held ?? [];
    held = null;
    for (const event of backlog) send(event);
  }

  /**
   * Counts one more stream for `clientAddress`; the returned function gives it back
   * (once, however often it is called).
   * @throws AppError too_many_requests (this client), service_unavailable (everyone)
   */
  private takeSlot(clientAddress: string): () => void {
    const mine = this.perClient.get(clientAddress) ?? 0;
    if (mine >= this.maxPerClient) {
      throw new AppError("too_many_requests", `This client already holds ${mine} live streams (MAX_STREAMS_PER_IP); close one to open another.`, {
        "Retry-After": "5",
      });
    }
    if (this.held >= this.maxTotal) {
      throw new AppError("service_unavailable", "Hookyard has as many live streams open as it allows (MAX_STREAMS); retry shortly.", { "Retry-After": "5" });
    }
    this.perClient.set(clientAddress, mine + 1);
    this.held++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held--;
      const left = (this.perClient.get(clientAddress) ?? 1) - 1;
      if (left > 0) this.perClient.set(clientAddress, left);
      else this.perClient.delete(clientAddress);
    };
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const socket of this.open) socket.end();
    this.open.clear();
  }

  private ping(): void {
    for (const socket of this.open) this.write(socket, ": ping\n\n");
  }

  private write(socket: Socket, chunk: string): void {
    if (socket.destroyed || socket.writableEnded) return;
    if (socket.writableLength > this.maxBufferedBytes) {
      socket.destroy();
      return;
    }
    socket.write(chunk);
  }
}

function hasExpired(access: BinAccess, now = Date.now()): boolean {
  return access.expiresAt !== null && access.expiresAt <= now;
}

/** The longest delay a Node timer takes; a grant may live for a year. */
const maxTimerMs = 2 ** 31 - 1;

/**
 * Runs `task` once at `when` (ms since the epoch), re-arming for delays past what one
 * timer can wait. Unref'd: a pending expiry never keeps the process alive.
 */
function runAt(when: number, task: () => void): { cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const wait = when - Date.now();
    if (wait <= 0) {
      task();
      return;
    }
    timer = setTimeout(arm, Math.min(wait, maxTimerMs));
    timer.unref();
  };
  arm();
  return { cancel: () => clearTimeout(timer) };
}

function drainedOrClosed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off("drain", done);
      socket.off("close", done);
      resolve();
    };
    socket.on("drain", done);
    socket.on("close", done);
  });
}

const streamHead = [
  "HTTP/1.1 200 OK",
  "Content-Type: text/event-stream; charset=utf-8",
  "Cache-Control: no-cache, no-transform",
  "Connection: close",
  "X-Accel-Buffering: no",
  "X-Content-Type-Options: nosniff",
  "",
  "",
].join("\r\n");

/**
 * Answers with the stream's head and keeps only the socket. The request and response
 * objects, the HTTP server's per-connection state and listeners, and the native HTTP
 * parser it keeps for the next request on the connection are let go, which is most of
 * what an idle connection costs (see releaseFromHttpServer). The body is delimited by
 * closing the connection, as HTTP/1.1 allows, so events go out without chunk framing.
 */
function takeOverSocket(res: ServerResponse): Socket | null {
  const socket = res.socket;
  if (!socket || socket.destroyed) return null;
  res.detachSocket(socket);
  releaseFromHttpServer(socket);
  socket.setNoDelay(true);
  socket.setTimeout(0);
  socket.write(streamHead);
  return socket;
}

/** The parts of Node's internal HTTP parser (`socket.parser`) that freeing it needs. */
type HttpParser = { _consumed?: boolean; unconsume(): void; remove(): void; close(): void };
type ServerSocket = Socket & { parser?: HttpParser | null };

/**
 * Listeners a bare net.Socket registers on itself; every other listener on a socket
 * taken over from the HTTP server is the server's.
 */
const ownSocketListeners = (() => {
  const bare = new Socket();
  const own = new Set<unknown>();
  for (const name of bare.eventNames()) for (const listener of bare.rawListeners(name)) own.add(listener);
  bare.destroy();
  return own;
})();

/** The events whose listeners the HTTP server adds to each connection (Node 20-24). */
const serverSocketEvents = ["data", "end", "close", "error", "drain", "timeout", "resume", "pause"] as const;

/**
 * Hands the connection over from Node's HTTP server, as Node itself does for an
 * `upgrade`: the server's listeners and closures, its per-connection state (which
 * still lists the request, as the response never finishes) and the parser (a native
 * object with its header tables, which also keeps the request) would otherwise stay
 * for the life of the stream. Without them the socket is a plain stream: it keeps
 * reading so that a client hanging up is noticed, discards what a client sends, and
 * ends its side when the client ends.
 */
function releaseFromHttpServer(socket: ServerSocket): void {
  const parser = socket.parser;
  if (!parser || typeof parser.unconsume !== "function" || typeof parser.remove !== "function") return;
  for (const name of serverSocketEvents) {
    for (const listener of socket.rawListeners(name)) {
      if (!ownSocketListeners.has(listener)) socket.removeListener(name, listener as (...args: unknown[]) => void);
    }
  }
  // The server wraps these per connection to keep its parser fed; the prototype's will do.
  for (const name of ["on", "addListener", "prependListener", "setEncoding"] as const) {
    if (Object.hasOwn(socket, name)) delete (socket as Partial<Socket>)[name];
  }
  if (parser._consumed) parser.unconsume();
  parser.remove(); // out of the server's list of connections checked for timeouts
  socket.parser = null;
  // Node closes a parser only once its own call stack has unwound; so do we.
  setImmediate(closeParser, parser);
  socket.on("error", destroyOnError);
  socket.on("end", endOwnSide);
  socket.resume();
}

function closeParser(parser: HttpParser): void {
  parser.close();
}

/**
 * A reset or a broken pipe is a client gone, as the HTTP server treats it too: the
 * socket is destroyed and 'close' cleans up. Without a listener it would be thrown.
 */
function destroyOnError(this: Socket): void {
  this.destroy();
}

function endOwnSide(this: Socket): void {
  this.end();
}

export function formatEvent(event: StreamedBinEvent): string {
  switch (event.type) {
    case "request":
      return `event: request\nid: ${event.request.seq}\ndata: ${JSON.stringify(event.request)}\n\n`;
    case "request-deleted":
      return `event: request-deleted\ndata: ${JSON.stringify({ id: event.requestId })}\n\n`;
    case "requests-cleared":
      return `event: requests-cleared\ndata: ${JSON.stringify({ through: event.throughSeq })}\n\n`;
    case "requests-pruned":
      return `event: requests-pruned\ndata: ${JSON.stringify({ through: event.throughSeq, removed: event.removed })}\n\n`;
    case "bin-deleted":
      return "event: bin-deleted\ndata: {}\n\n";
    case "bin-updated":
      return "event: bin-updated\ndata: {}\n\n";
    case "resync":
      return "event: resync\ndata: {}\n\n";
    // No id: Last-Event-ID names captures only, and attempts are kept with their capture.
    case "forward-attempt":
      return `event: forward-attempt\ndata: ${JSON.stringify({ attempt: event.attempt, job: event.job })}\n\n`;
  }
}
