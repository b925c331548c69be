import type { BinEvent, RequestSummary } from "../../types.ts";
import type { BinEventListener } from "./events.ts";

export type FeedSources = {
  /** The bin's captures with a sequence above `afterSeq`, oldest first, at most `limit`. */
  capturesAfter(binId: string, afterSeq: number, limit: number): Promise<RequestSummary[]>;
  /**
   * The highest sequence the bin has given out (0 for none): every capture committed
   * after this answers has a higher one.
   */
  latestSeq(binId: string): Promise<number>;
  /** Captures read per catch-up query. */
  pageSize: number;
  /** How long a failed catch-up (or lookup) waits before it is tried again, unless a notice comes first. */
  retryMs: number;
};

/** Something a bin's feed does in order: deliver captures up to `through`, or one event. */
type Job = { kind: "catch-up"; through: number } | { kind: "event"; tries: number; make: () => Promise<BinEvent | null> };

/** An event that is read from the database takes this many tries before it is given up. */
const eventTries = 3;

/** One bin with subscribers on this instance. */
class Feed {
  readonly listeners = new Set<BinEventListener>();
  /**
   * The highest sequence handed to the listeners, or known to need no delivery; every
   * capture above it that exists is still to be delivered. Undefined until the anchor
   * (or the first notice) is known.
   */
  delivered: number | undefined = undefined;
  /** No capture notice heard and no catch-up queued since the feed began: `delivered` is only the anchor. */
  provisional = true;
  /** In order; the head stays in place while it runs, so a failed one is retried first. */
  readonly jobs: Job[] = [];
  running = false;
  retry: NodeJS.Timeout | undefined = undefined;
  closed = false;

  constructor(readonly binId: string) {}
}

/**
 * What the PostgreSQL bus delivers per bin: captures exactly once and in sequence order,
 * whatever order and however often their notices come, and other instances' events in
 * the order their notices came. Only bins with subscribers on this instance have a feed;
 * a notice for any other bin costs a map lookup.
 *
 * The starting point, and why a subscriber neither misses a capture nor gets one twice:
 * - Captures are delivered only by sequence (`delivered` only grows, and only to a
 *   capture just handed out), so nothing goes out twice, whoever reports it.
 * - A subscriber must get every capture committed after it subscribed (earlier ones are
 *   the stream's own replay). Their sequences are above everything committed before,
 *   and their notices reach this instance after the subscription, in commit order. So
 *   the first capture notice a new feed hears names a sequence no higher than any of
 *   theirs, and the feed starts just below it. That notice may be of a capture committed
 *   a moment before the subscription; delivering it too is harmless, the stream
 *   deduplicates against its replay.
 * - A bin may be quiet for hours, and the listener may reconnect meanwhile with no
 *   notice heard. For that the feed also reads the bin's latest sequence when it begins
 *   (the anchor) and catches up from it after a reconnect. The anchor is read just
 *   after the subscription, so a capture committed in between and whose notice is lost
 *   in a disconnect before it arrives is not delivered; the resync that follows every
 *   reconnect makes the dashboard read its list again.
 * - Until the first notice the feed delivers nothing, not even this instance's own
 *   captures: they wait for their notice (sent in the storing transaction), so the start
 *   can still move down to it without a capture going out of order.
 */
export class BinFeeds {
  private readonly feeds = new Map<string, Feed>();
  private closed = false;

  constructor(private readonly sources: FeedSources) {}

  /** Whether the bin has subscribers here. */
  has(binId: string): boolean {
    return this.feeds.has(binId);
  }

  /** The bins with subscribers here. */
  bins(): string[] {
    return [...this.feeds.keys()];
  }

  /** Returns the function that unsubscribes; the last one out ends the bin's feed. */
  subscribe(binId: string, listener: BinEventListener): () => void {
    let feed = this.feeds.get(binId);
    if (!feed) {
      feed = new Feed(binId);
      if (!this.closed) this.feeds.set(binId, feed);
      // Reads the anchor now, with no job queued.
      this.drain(feed);
    }
    const mine = feed;
    mine.listeners.add(listener);
    return () => {
      mine.listeners.delete(listener);
      if (mine.listeners.size > 0 || this.feeds.get(binId) !== mine) return;
      this.feeds.delete(binId);
      this.end(mine);
    };
  }

  /** An event made on this instance (not a capture): delivered at once, ahead of anything queued. */
  deliverNow(binId: string, event: BinEvent): void {
    const feed = this.feeds.get(binId);
    if (feed) this.deliver(feed, event);
  }

  /**
   * A capture this instance committed (the writer's onCommitted): delivered at once when it
   * is the next in sequence. After a gap (another instance's capture whose notice is still
   * on its way, or deleted ones) it is caught up instead, so that nothing goes out of order.
   */
  localCapture(binId: string, request: RequestSummary): void {
    const feed = this.feeds.get(binId);
    // Until the first notice, its own notice brings it (see the class comment).
    if (!feed || feed.provisional || feed.delivered === undefined || request.seq <= feed.delivered) return;
    if (request.seq === feed.delivered + 1) {
      feed.delivered = request.seq;
      this.deliver(feed, { type: "request", request });
      return;
    }
    this.catchUp(feed, request.seq);
  }

  /** A capture notice, from any instance: catches the bin up through `seq` unless that is delivered already. */
  captureNoticed(binId: string, seq: number): void {
    const feed = this.feeds.get(binId);
    if (!feed) return;
    if (feed.provisional) {
      // The first notice since the feed began: start just below it (see the class comment).
      // Below the anchor too when the anchor is higher, as a notice of an earlier capture
      // may be late; above it never, so a notice lost before this one cannot skip a capture.
      feed.provisional = false;
      feed.delivered = feed.delivered === undefined ? seq - 1 : Math.min(feed.delivered, seq - 1);
    }
    if (feed.delivered !== undefined && seq <= feed.delivered) return;
    this.catchUp(feed, seq);
  }

  /**
   * An event another instance made, delivered after whatever the bin's feed has queued
   * (a catch-up, another event being read), so that a capture and its deletion, say, go
   * out in the order they happened. `make` reads it from the database when the notice
   * holds only its key; null means it is gone and there is nothing to deliver.
   */
  remote(binId: string, event: BinEvent | (() => Promise<BinEvent | null>)): void {
    const feed = this.feeds.get(binId);
    if (!feed) return;
    if (typeof event !== "function" && feed.jobs.length === 0) {
      this.deliver(feed, event);
      return;
    }
    feed.jobs.push({ kind: "event", tries: 0, make: typeof event === "function" ? event : () => Promise.resolve(event) });
    this.drain(feed);
  }

  /**
   * The listener is listening (again): everything committed from now on will be noticed,
   * so every feed catches up on all that is committed already, which brings what was
   * missed while not listening exactly once and in order. Then `after(binId)`, if given,
   * is delivered to each (the resync after a reconnect).
   */
  listening(after?: (binId: string) => BinEvent): void {
    for (const feed of this.feeds.values()) {
      feed.provisional = false;
      this.catchUp(feed, Number.POSITIVE_INFINITY, false);
      if (after) feed.jobs.push({ kind: "event", tries: 0, make: () => Promise.resolve(after(feed.binId)) });
      this.drain(feed);
    }
  }

  /**
   * Ends every feed and its retry timer; nothing is delivered after. A resolver call in
   * flight is not waited for (a hung database must not hold up a shutdown): its answer
   * is dropped when it comes.
   */
  close(): void {
    this.closed = true;
    for (const feed of this.feeds.values()) this.end(feed);
    this.feeds.clear();
  }

  /** Queues a catch-up through `through`, merged into the last job when that is a catch-up too. */
  private catchUp(feed: Feed, through: number, drain = true): void {
    const last = feed.jobs.at(-1);
    // Merged even into a catch-up that is running: it reads once more if its bound grew meanwhile.
    if (last?.kind === "catch-up") last.through = Math.max(last.through, through);
    else feed.jobs.push({ kind: "catch-up", through });
    if (drain) this.drain(feed);
  }

  private end(feed: Feed): void {
    feed.closed = true;
    clearTimeout(feed.retry);
    feed.retry = undefined;
    feed.jobs.length = 0;
  }

  /** Runs the feed's jobs unless they are running; a retry waiting on its timer is run now. */
  private drain(feed: Feed): void {
    if (feed.running || feed.closed || this.closed) return;
    clearTimeout(feed.retry);
    feed.retry = undefined;
    feed.running = true;
    void this.run(feed);
  }

  /** Never rejects: a failure is logged and retried later, with the failed job left at the head. */
  private async run(feed: Feed): Promise<void> {
    try {
      while (!feed.closed) {
        if (feed.delivered === undefined) {
          const anchor = await this.sources.latestSeq(feed.binId);
          // A notice heard meanwhile set the start already, exactly (see the class comment).
          feed.delivered ??= anchor;
          continue;
        }
        const job = feed.jobs[0];
        if (!job) return;
        if (job.kind === "catch-up") {
          await this.runCatchUp(feed, job);
        } else {
          try {
            const event = await job.make();
            if (event && !feed.closed) this.deliver(feed, event);
          } catch (error) {
            if (++job.tries < eventTries) throw error;
            console.error(`[live] gave up an event of bin ${feed.binId} after ${eventTries} tries`, error);
          }
        }
        feed.jobs.shift();
      }
    } catch (error) {
      // The database is down or slow: what was delivered stays delivered, the rest is
      // read again on the next notice or after a short wait.
      console.error(`[live] could not catch up bin ${feed.binId}; retrying`, error);
      if (!feed.closed && !this.closed) {
        feed.retry = setTimeout(() => {
          feed.retry = undefined;
          this.drain(feed);
        }, this.sources.retryMs);
      }
    } finally {
      // Synchronously as the loop ends, so a job queued from now on starts a new run.
      feed.running = false;
    }
  }

  /**
   * Delivers the bin's captures above `delivered` up to the job's bound, page by page, in
   * sequence order. A capture beyond the bound waits for its own notice: delivered now,
   * it could overtake an event queued behind this job (a clear it came after, say).
   */
  private async runCatchUp(feed: Feed, job: Extract<Job, { kind: "catch-up" }>): Promise<void> {
    for (;;) {
      const bound = job.through;
      const after = feed.delivered ?? 0;
      const page = await this.sources.capturesAfter(feed.binId, after, this.sources.pageSize);
      if (feed.closed) return;
      let beyond = false;
      for (const request of page) {
        if (request.seq > job.through) {
          beyond = true;
          break;
        }
        // This instance's own captures may have gone out meanwhile.
        if (request.seq <= (feed.delivered ?? 0)) continue;
        feed.delivered = request.seq;
        this.deliver(feed, { type: "request", request });
      }
      // Everything up to the bound is committed and was read (commit order is sequence
      // order, so a page never skips an uncommitted capture); what is missing was deleted.
      if (beyond || (feed.delivered ?? 0) >= job.through) return;
      const last = page.at(-1)?.seq ?? after;
      if (page.length === this.sources.pageSize && last > after) continue;
      // A notice came while reading: what it names may have committed after the read.
      if (job.through > bound) continue;
      return;
    }
  }

  private deliver(feed: Feed, event: BinEvent): void {
    for (const listener of [...feed.listeners]) {
      // One that unsubscribed during this delivery (a stream ended by `bin-deleted`) is skipped.
      if (!feed.listeners.has(listener)) continue;
      try {
        listener(event);
      } catch (error) {
        // One broken subscriber must not cost the others their events.
        console.error(`[live] a subscriber of bin ${feed.binId} failed on ${event.type}`, error);
      }
    }
  }
}
