import type { Config } from "../../config.ts";
import { forgetBin } from "../bins/bins.ts";
import type { Pruned, RetentionStore } from "./storage.ts";
import type { EventBus } from "../live/events.ts";
import { requestIdFloor, requestIdTime } from "../bins/ids.ts";

export type SweepOptions = Pick<Config, "captureTtlMs" | "binIdleTtlMs"> & {
  /** Captures deleted per transaction, and bins looked at per query. */
  batchSize?: number;
  /** Bins declared in configuration (HOOKYARD_BINS): they exist for good, idle or not. */
  keepBinIds?: ReadonlySet<string>;
};

export type SweepResult = { capturesRemoved: number; binsRemoved: number };

/** Tells live clients which captures of a bin are gone. */
export function publishPruned(bus: EventBus, pruned: Pruned): void {
  bus.publish(pruned.binId, { type: "requests-pruned", binId: pruned.binId, throughSeq: pruned.throughSeq, removed: pruned.removed });
}

/** Lets queued captures and other I/O run between two sweep transactions. */
const yieldToCapture = () => new Promise((resolve) => setImmediate(resolve));

/**
 * One pass of the retention sweep: captures older than CAPTURE_TTL, then bins with
 * no capture and no visit for BIN_IDLE_TTL. Every step is one short transaction on
 * the capture writer's connection, with a turn of the event loop between steps, so
 * a large backlog never holds the write lock for long and capture keeps flowing.
 */
export async function sweepOnce(store: RetentionStore, bus: EventBus, options: SweepOptions, now: number = Date.now()): Promise<SweepResult> {
  const batchSize = options.batchSize ?? 500;
  const result: SweepResult = { capturesRemoved: 0, binsRemoved: 0 };

  if (options.captureTtlMs > 0) {
    const beforeId = requestIdFloor(now - options.captureTtlMs);
    for (;;) {
      const pruned = await store.expireCaptures(beforeId, batchSize);
      let removed = 0;
      for (const each of pruned) {
        removed += each.removed;
        publishPruned(bus, each);
      }
      result.capturesRemoved += removed;
      if (removed < batchSize) break;
      await yieldToCapture();
    }
  }

  if (options.binIdleTtlMs > 0) {
    const usedBefore = now - options.binIdleTtlMs;
    const beforeId = requestIdFloor(usedBefore);
    await store.stampUnusedBins(now);
    for (;;) {
      const candidates = await store.idleBinCandidates(usedBefore, batchSize);
      for (const { binId, newestId } of candidates) {
        await yieldToCapture();
        if (options.keepBinIds?.has(binId)) {
          // Counted as used now, so it stops being a candidate until another idle spell.
          await store.markBinUsed(binId, now);
          continue;
        }
        if (newestId !== null && newestId >= beforeId) {
          // Used by a capture it still keeps: remember that, so it stops being a candidate.
          await store.markBinUsed(binId, requestIdTime(newestId));
          continue;
        }
        // Deleted only if still idle: a capture or visit since the query keeps it.
        if (await store.deleteIdleBin(binId, usedBefore, beforeId)) {
          forgetBin(binId);
          bus.publish(binId, { type: "bin-deleted", binId });
          result.binsRemoved += 1;
        }
      }
      if (candidates.length < batchSize) break;
    }
  }
  return result;
}

/** Runs `sweepOnce` every SWEEP_INTERVAL_MS; a pass never overlaps the previous one. */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly store: RetentionStore,
    private readonly bus: EventBus,
    private readonly options: SweepOptions & { intervalMs: number },
  ) {}

  start(): void {
    if (this.options.captureTtlMs === 0 && this.options.binIdleTtlMs === 0) return;
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a pass in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = sweepOnce(this.store, this.bus, this.options)
      .then(() => undefined)
      .catch((error: unknown) => console.error("[retention] sweep failed; trying again next interval", error))
      .finally(() => {
        this.running = null;
      });
  }
}
