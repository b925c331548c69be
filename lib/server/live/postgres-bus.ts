import { randomUUID } from "node:crypto";
import pg from "pg";
import type { BinEvent, ForwardAttemptSummary, ForwardJobDto, RequestSummary } from "../../types.ts";
import { BinFeeds } from "./bin-feeds.ts";
import type { EventBus } from "./events.ts";
import { eventNotice, liveChannel, type Notice, parseNotice } from "./notices.ts";

/** What sends this instance's notices: a pg Pool or Client will do. */
export type Notifier = { query(text: string, values: unknown[]): Promise<unknown> };

export type PostgresBusOptions = {
  /**
   * The database to LISTEN on (a URL or pg's client settings). It must reach PostgreSQL
   * directly or through a session-mode pooler: a transaction-mode pooler (PgBouncer's
   * `pool_mode = transaction`, most managed "pooled" endpoints) hands the server session
   * to someone else after every transaction, and the LISTEN with it, so notices would
   * stop arriving without an error.
   */
  connection: string | pg.ClientConfig;
  /**
   * Sends this instance's notices. By default a pool of one connection to `connection`,
   * ended by close(): one connection sends them in the order they were published. One
   * passed in is left open.
   */
  notifier?: Notifier;
  /** Names this instance in its notices (its own are not delivered twice); random by default. */
  instanceId?: string;
  /** The bin's captures with a sequence above `afterSeq`, oldest first, at most `limit`. */
  capturesAfter(binId: string, afterSeq: number, limit: number): Promise<RequestSummary[]>;
  /** The highest sequence the bin has given out, 0 for none (where a new subscription's catch-up can start). */
  latestSeq(binId: string): Promise<number>;
  /** The attempt a `forward-attempt` notice names, as the stream carries it, or null when it is gone. */
  forwardAttempt(binId: string, attemptId: string): Promise<{ attempt: ForwardAttemptSummary; job: ForwardJobDto } | null>;
  /**
   * Hears every notice from another instance (captures included), for any bin, and
   * `resync` for every bin with subscribers after the listener reconnects: per-process
   * caches (settings, capture counts) refresh on it. Must not take long; what it throws
   * is logged.
   */
  onNotice?(binId: string, type: BinEvent["type"]): void;
  /**
   * Called once each time the listener is back after losing its connection, before the
   * bins' `resync`: what other instances changed meanwhile was not heard, for bins with
   * subscribers or not, so whatever this process keeps of any bin is stale. What it
   * throws is logged.
   */
  onResync?(): void;
  /** Captures read per catch-up query; 500 by default. */
  pageSize?: number;
  /** How long a failed catch-up waits before it is tried again, unless a notice comes first; 1 s by default. */
  retryMs?: number;
  /** The wait before reconnecting the listener, doubling from `firstMs` (100) to `maxMs` (5,000). */
  reconnect?: { firstMs?: number; maxMs?: number };
};

/** The bus, plus its listener's lifecycle. */
export type PostgresBus = EventBus & {
  readonly instanceId: string;
  /**
   * Connects the listener and LISTENs; resolves once listening. Subscriptions made before
   * are caught up then.
   * @throws the connection's error when the first connection or the LISTEN fails (not retried: the caller decides).
   */
  start(): Promise<void>;
  /** Ends the listener, its timers and the notifier it made; waits for notices being sent. Nothing is delivered after. */
  close(): Promise<void>;
};

/**
 * The live bus for several instances sharing one PostgreSQL database (decision 011).
 * Each instance holds exactly one dedicated connection that LISTENs on `liveChannel`
 * (one per instance, not one per stream), and its events go to the others as small
 * NOTIFY keys, from which each rebuilds the event: captures by sequence through
 * `capturesAfter` (see bin-feeds.ts for the exactly-once, in-order rules), forward
 * attempts through `forwardAttempt`. Events published here reach this instance's
 * subscribers at once and the others through a notice; a capture's notice is the capture
 * writer's own (`captureNotice`, sent inside the storing transaction), not publish's.
 *
 * When the listener's connection drops (a database restart, `pg_terminate_backend`) it
 * reconnects with a growing wait, forever until close(), then catches every bin with
 * subscribers up on the captures committed meanwhile and delivers `resync`: what a
 * sequence cannot bring back (deletes, clears, settings changes) is for the client to
 * read again. No handler here throws; failures are logged and retried.
 */
export function createPostgresBus(options: PostgresBusOptions): PostgresBus {
  return new PostgresBusImpl(options);
}

/** One attempt at the listening connection. */
type Listening = { client: pg.Client; lost: boolean };

class PostgresBusImpl implements PostgresBus {
  readonly instanceId: string;
  private readonly feeds: BinFeeds;
  private readonly notifier: Notifier;
  private readonly ownPool: pg.Pool | undefined;
  private readonly listenerConfig: pg.ClientConfig;
  private readonly firstDelayMs: number;
  private readonly maxDelayMs: number;
  /** Notices being sent, and other work close() waits for. */
  private readonly pending = new Set<Promise<unknown>>();
  private current: Listening | undefined;
  private starting: Promise<void> | undefined;
  private connecting: Promise<void> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: PostgresBusOptions) {
    this.instanceId = options.instanceId ?? randomUUID();
    this.feeds = new BinFeeds({
      capturesAfter: options.capturesAfter,
      latestSeq: options.latestSeq,
      pageSize: options.pageSize ?? 500,
      retryMs: options.retryMs ?? 1_000,
    });
    const base: pg.ClientConfig = typeof options.connection === "string" ? { connectionString: options.connection } : options.connection;
    this.listenerConfig = {
      // Named, so an operator (and the tests) can tell it in pg_stat_activity.
      application_name: `hookyard-live ${this.instanceId}`.slice(0, 63),
      ...base,
      // A listener only ever waits: without keepalive a connection silently gone (a NAT
      // or a failover dropping it) would look idle for ever.
      keepAlive: true,
    };
    if (options.notifier) {
      this.notifier = options.notifier;
    } else {
      this.ownPool = new pg.Pool({ application_name: `hookyard-notify ${this.instanceId}`.slice(0, 63), ...base, max: 1 });
      // An idle connection the server closes is replaced on the next use; say so, do not crash.
      this.ownPool.on("error", (error) => console.error("[live] the notifier's connection failed", error.message));
      this.notifier = this.ownPool;
    }
    this.firstDelayMs = options.reconnect?.firstMs ?? 100;
    this.maxDelayMs = options.reconnect?.maxMs ?? 5_000;
  }

  publish(binId: string, event: BinEvent): void {
    if (this.closed) return;
    if (event.type === "request") {
      // The writer's own notice, sent in its transaction, tells the other instances.
      const seq = (event.request as RequestSummary & { seq?: unknown }).seq;
      // Without a sequence there is no telling where it goes; its notice brings it instead.
      if (typeof seq === "number") this.feeds.localCapture(binId, { ...event.request, seq });
      return;
    }
    this.feeds.deliverNow(binId, event);
    let payload: string | null;
    try {
      payload = eventNotice(event, this.instanceId);
    } catch (error) {
      console.error(`[live] could not tell other instances of ${event.type} in bin ${binId}`, error);
      return;
    }
    if (payload === null) return;
    this.track(
      this.notifyWithRetries(payload).catch((error: unknown) => {
        // The change is committed and delivered here; other instances hear of it at their
        // next resync (their settings caches included) or reload. Nothing a caller could do.
        console.error(`[live] could not tell other instances of ${event.type} in bin ${binId}`, error);
      }),
    );
  }

  /**
   * Sends a notice made after its change committed, trying again a few times (0.1, 0.5
   * and 2 s apart): a database restarting for a moment must not leave other instances'
   * caches stale. Gives up with the last error, or at close.
   */
  private async notifyWithRetries(payload: string): Promise<void> {
    for (const waitMs of [100, 500, 2_000, null]) {
      try {
        await this.notifier.query("SELECT pg_notify($1, $2)", [liveChannel, payload]);
        return;
      } catch (error) {
        if (waitMs === null || this.closed) throw error;
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  }

  subscribe(binId: string, listener: (event: BinEvent) => void): () => void {
    return this.feeds.subscribe(binId, listener);
  }

  start(): Promise<void> {
    if (this.closed) return Promise.reject(new Error("The live bus is closed."));
    this.starting ??= this.listen().then(
      () => this.feeds.listening(),
      (error: unknown) => {
        // A later start() tries again.
        this.starting = undefined;
        throw error;
      },
    );
    return this.starting;
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const current = this.current;
    this.current = undefined;
    if (current) {
      // Marked first, so its 'end' is not taken for a lost connection.
      current.lost = true;
      await endClient(current.client);
    }
    // A connection attempt under way ends its client itself once it sees `closed`.
    await Promise.allSettled([this.starting, this.connecting]);
    this.feeds.close();
    await Promise.allSettled([...this.pending]);
    await this.ownPool?.end();
  }

  /**
   * Opens a listening connection and makes it the current one.
   * @throws when it cannot connect or LISTEN, or the connection is lost before it listens.
   */
  private async listen(): Promise<void> {
    const listening: Listening = { client: new pg.Client(this.listenerConfig), lost: false };
    const { client } = listening;
    client.on("error", (error) => this.lose(listening, error));
    client.on("end", () => this.lose(listening, null));
    client.on("notification", (message) => this.hear(message));
    try {
      await client.connect();
      await client.query(`LISTEN ${liveChannel}`);
      if (listening.lost) throw new Error("The listener's connection ended as it started listening.");
    } catch (error) {
      listening.lost = true;
      this.track(endClient(client));
      throw error;
    }
    if (this.closed) {
      listening.lost = true;
      await endClient(client);
      return;
    }
    this.current = listening;
  }

  /** The listening connection failed or ended: reconnect, unless it was ours to end. */
  private lose(listening: Listening, error: Error | null): void {
    if (listening.lost) return;
    listening.lost = true;
    // Still connecting: listen() sees it and fails.
    if (listening !== this.current) return;
    this.current = undefined;
    console.error("[live] lost the LISTEN connection; reconnecting", error?.message ?? "it ended");
    this.track(endClient(listening.client));
    this.scheduleReconnect(this.firstDelayMs);
  }

  private scheduleReconnect(delayMs: number): void {
    if (this.closed) return;
    // Not unref'd: like the connection it replaces it keeps the process up until close().
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connecting = this.listen().then(
        () => {
          this.connecting = undefined;
          if (this.closed) return;
          try {
            this.options.onResync?.();
          } catch (error) {
            console.error("[live] onResync failed", error);
          }
          this.feeds.listening((binId) => ({ type: "resync", binId }));
          for (const binId of this.feeds.bins()) this.tell(binId, "resync");
        },
        (error: unknown) => {
          this.connecting = undefined;
          console.error(`[live] could not reconnect the listener; next try in ${Math.min(delayMs * 2, this.maxDelayMs)} ms`, errorMessage(error));
          this.scheduleReconnect(Math.min(delayMs * 2, this.maxDelayMs));
        },
      );
    }, delayMs);
  }

  /** A notification. Never throws: pg would hand the error to the connection. */
  private hear(message: pg.Notification): void {
    try {
      if (message.channel !== liveChannel) return;
      const notice = parseNotice(message.payload ?? "");
      if (!notice) {
        console.error("[live] ignored a notice it cannot read:", (message.payload ?? "").slice(0, 200));
        return;
      }
      const fromElsewhere = notice.from !== this.instanceId;
      if (fromElsewhere) this.tell(notice.binId, notice.type);
      if (notice.type === "request") {
        // From this instance too: usually delivered already, then a no-op.
        this.feeds.captureNoticed(notice.binId, notice.seq);
        return;
      }
      // This instance's own events went to its subscribers as they were published.
      if (!fromElsewhere || !this.feeds.has(notice.binId)) return;
      this.feeds.remote(notice.binId, this.eventOf(notice));
    } catch (error) {
      console.error("[live] could not handle a notice", error);
    }
  }

  /** The event a non-capture notice stands for, or how to read it. */
  private eventOf(notice: Exclude<Notice, { type: "request" }>): BinEvent | (() => Promise<BinEvent | null>) {
    const binId = notice.binId;
    switch (notice.type) {
      case "request-deleted":
        return { type: "request-deleted", binId, requestId: notice.requestId };
      case "requests-cleared":
        return { type: "requests-cleared", binId, throughSeq: notice.throughSeq };
      case "requests-pruned": {
        return { type: "requests-pruned", binId, throughSeq: notice.throughSeq, removed: notice.removed };
      }
      case "bin-deleted":
        return { type: "bin-deleted", binId };
      case "bin-updated":
        return { type: "bin-updated", binId };
      case "grant-revoked":
        return { type: "grant-revoked", binId, grantId: notice.grantId };
      case "forward-attempt":
        return async () => {
          const found = await this.options.forwardAttempt(binId, notice.attemptId);
          // Gone with its capture (deleted, cleared, pruned) since: nothing to show.
          return found ? { type: "forward-attempt", binId, attempt: found.attempt, job: found.job } : null;
        };
    }
  }

  private tell(binId: string, type: BinEvent["type"]): void {
    if (!this.options.onNotice) return;
    try {
      this.options.onNotice(binId, type);
    } catch (error) {
      console.error(`[live] onNotice failed for ${type} in bin ${binId}`, error);
    }
  }

  private track(work: Promise<unknown>): void {
    this.pending.add(work);
    const done = () => this.pending.delete(work);
    void work.then(done, done);
  }
}

/** Ends a client, logging instead of throwing: it is being let go either way. */
async function endClient(client: pg.Client): Promise<void> {
  try {
    await client.end();
  } catch (error) {
    console.error("[live] could not end the listener's connection cleanly", errorMessage(error));
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
