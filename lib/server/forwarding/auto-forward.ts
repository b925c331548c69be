import type { ForwardConfig } from "../../config.ts";
import type { ForwardJobState, HeaderPair } from "../../types.ts";
import { getBinSettings } from "../bins/settings.ts";
import { type ClaimedJob, getStorage } from "../storage/storage.ts";
import type { EventBus } from "../live/events.ts";
import { type RetryPolicy, backoffMs, isRetryable, retryDelayMs } from "./forward-retry.ts";
import { captureDestination, deliver, toJobDto } from "./forwarding.ts";

/** Longest a shutdown waits for attempts in flight; the ones cut off are retried at the next start. */
const stopWaitMs = 2_000;

/**
 * Sends each capture of an auto-forwarding bin to the bin's target. The jobs live in
 * the `ForwardJob` table (written in the capture's own transaction), so a restart
 * picks up whatever was pending or cut off mid-attempt. The worker never runs on the
 * capture path: capture only calls `wake`, which schedules a look at the table.
 * At most `concurrency` attempts are in flight; the rest wait in the table.
 */
export class AutoForwarder {
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private timerDueAt = Number.POSITIVE_INFINITY;
  private scanning = false;
  private scanAgain = false;
  private scanQueued = false;
  private stopped = false;
  private poll: NodeJS.Timeout | null = null;

  /**
   * `pollMs`: also look at the table this often. With several instances on one database a
   * job can become due that this process was never told of (captured elsewhere, or left by
   * an instance that died mid-attempt, whose claim lapses): this is how it is found.
   */
  constructor(
    private readonly config: ForwardConfig,
    private readonly bus: EventBus,
    private readonly options: { pollMs?: number } = {},
  ) {}

  /** Takes back jobs a previous process left mid-attempt (where the driver can tell), then starts on everything due. */
  async start(): Promise<void> {
    // Their attempt may or may not have reached the target; with no record of it, it counts as not made.
    await getStorage().forwarding.resetRunningJobs();
    if (this.options.pollMs) {
      this.poll = setInterval(() => this.wake(), this.options.pollMs);
      this.poll.unref();
    }
    this.wake();
  }

  /** New jobs may be due: look at the table soon, never on the caller's time. */
  wake(): void {
    if (this.stopped || this.scanQueued) return;
    this.scanQueued = true;
    setImmediate(() => {
      this.scanQueued = false;
      void this.scan();
    });
  }

  /** Stops taking jobs and waits briefly for attempts in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise((resolve) => {
        timeout = setTimeout(resolve, stopWaitMs);
      }),
    ]);
    clearTimeout(timeout);
  }

  private async scan(): Promise<void> {
    if (this.scanning) {
      this.scanAgain = true;
      return;
    }
    this.scanning = true;
    try {
      do {
        this.scanAgain = false;
        await this.claimDueJobs();
        await this.scheduleNext();
      } while (this.scanAgain && !this.stopped);
    } catch (error) {
      // The database was busy or closing: look again shortly rather than stall for good.
      console.error("[auto-forward] scan failed", error);
      this.setTimer(Date.now() + 1_000);
    } finally {
      this.scanning = false;
    }
  }

  private async claimDueJobs(): Promise<void> {
    // Storage is read only while running: a scan queued before `stop` may run after it, when storage is closed.
    while (!this.stopped) {
      const room = this.config.concurrency - this.inFlight.size;
      if (room <= 0) return;
      const claimed = await getStorage().forwarding.claimDueJobs(room, Date.now());
      for (const job of claimed) this.run(job);
      if (claimed.length < room) return;
    }
  }

  private async scheduleNext(): Promise<void> {
    if (this.stopped || this.inFlight.size >= this.config.concurrency) return;
    const dueAt = await getStorage().forwarding.nextDueAt();
    if (dueAt !== null) this.setTimer(dueAt);
  }

  private setTimer(dueAt: number): void {
    if (this.stopped) return;
    if (this.timer && this.timerDueAt <= dueAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDueAt = dueAt;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.timerDueAt = Number.POSITIVE_INFINITY;
        void this.scan();
      },
      Math.max(0, dueAt - Date.now()),
    );
    // A pending retry must not keep a process alive that is otherwise done.
    this.timer.unref();
  }

  private run(job: ClaimedJob): void {
    const running: Promise<void> = this.attempt(job)
      .catch((error: unknown) => this.putBack(job, error))
      .finally(() => {
        this.inFlight.delete(running);
        this.wake();
      });
    this.inFlight.add(running);
  }

  /**
   * The attempt broke on Hookyard's side (the database, say). Counted as an attempt and
   * put back, so the job neither stays `running` until the next start nor loops forever.
   */
  private async putBack(job: ClaimedJob, error: unknown): Promise<void> {
    console.error(`[auto-forward] attempt for capture ${job.requestId} failed`, error);
    const attempts = job.attempts + 1;
    const retry = attempts < job.maxAttempts;
    const now = Date.now();
    try {
      await getStorage().forwarding.putBackJob(job.id, {
        state: retry ? "pending" : "failed",
        attempts,
        nextAttemptAt: retry ? now + backoffMs(attempts, this.retryPolicy()) : now,
        lastError: "Hookyard could not make the attempt (see the server log)",
      });
    } catch (again) {
      console.error(`[auto-forward] could not put back the job of capture ${job.requestId}; the next start takes it up`, again);
    }
  }

  private retryPolicy(): RetryPolicy {
    return { baseMs: this.config.retryBaseMs, maxMs: this.config.retryMaxMs };
  }

  private async attempt(job: ClaimedJob): Promise<void> {
    const storage = getStorage();
    // Turning auto-forward off ends the jobs in the table, but a capture already queued
    // for its group commit carries the old setting and writes its job after that.
    if (!(await getBinSettings(job.binId))?.autoForward) {
      await storage.forwarding.endRunningJob(job.id);
      return;
    }
    const capture = await storage.forwarding.captureToForward(job.binId, job.requestId);
    // Deleted since: its job went with it (cascade).
    if (!capture) return;
    const body = await storage.captures.readBodyIfStored(capture.body);
    if (!body) return;

    const { attempt, result, refused } = await deliver(
      {
        requestId: job.requestId,
        target: job.target,
        ...captureDestination(job.target, capture, true),
        method: capture.method,
        headers: JSON.parse(capture.headers) as HeaderPair[],
        body,
        resigned: false,
        signatureHeaders: [],
        automatic: true,
      },
      this.config,
    );

    const attempts = job.attempts + 1;
    const now = Date.now();
    const outcome = result.kind === "answer" ? { kind: "answer" as const, status: result.status, headers: result.headers } : { kind: "error" as const };
    let state: ForwardJobState;
    let nextAttemptAt = now;
    if (result.kind === "answer" && result.status >= 200 && result.status < 300) state = "delivered";
    else if (!refused && isRetryable(outcome) && attempts < job.maxAttempts) {
      state = "pending";
      nextAttemptAt = now + retryDelayMs(outcome, attempts, this.retryPolicy(), now);
    } else state = "failed";
    const lastError = state === "delivered" ? null : result.kind === "answer" ? `the target answered ${result.status}` : result.error;

    // Only a job still running takes the outcome: turning auto-forward off meanwhile
    // ended it for good, and it keeps that end, counting the attempt it made.
    const end = await storage.forwarding.finishJob(job.id, { state, attempts, nextAttemptAt, lastError });
    // Gone with its capture, deleted meanwhile: nothing left to show it on.
    if (!end) return;
    const { bodyBase64: _body, ...summary } = attempt;
    this.bus.publish(job.binId, {
      type: "forward-attempt",
      binId: job.binId,
      attempt: summary,
      job: toJobDto({ ...end, target: job.target, attempts, maxAttempts: job.maxAttempts }),
    });
  }
}
