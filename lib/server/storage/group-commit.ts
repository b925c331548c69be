import type { CaptureRow, CaptureWriter, Committed, Pruned } from "./storage.ts";
import { AppError } from "../errors.ts";
import { StorageFullError, StorageUnavailableError } from "./storage-health.ts";

export type GroupCommitOptions = {
  /** Captures accepted but not yet committed; one more is refused with 503. */
  maxPending: number;
  /** Rows per transaction, so one group never holds the write lock for long. */
  maxRowsPerGroup?: number;
  /** Body bytes per transaction, so a burst of large bodies commits in several steps. */
  maxBytesPerGroup?: number;
  /** Called with each row once it is committed, in commit order, with its place in its bin. */
  onCommitted?: (row: CaptureRow, seq: number) => void;
  /** Called after a group's rows with what it pruned to keep each bin within its limit. */
  onPruned?: (pruned: Pruned) => void;
};

type Pending = { row: CaptureRow; resolve: () => void; reject: (error: unknown) => void };

/**
 * Group commit: captures that arrive while a write is in progress are written
 * together in the next transaction, and each caller's promise settles only once its
 * own row is committed. One write is in flight at a time, so rows commit in the
 * order `write` was called, so each bin's numbers (`seq`) follow the order of the calls.
 * The wait to fill a group is one turn of the event loop, never a timer.
 */
export class GroupCommitWriter {
  private queue: Pending[] = [];
  private writing = false;
  /** Rows of the group being written now: accepted, not yet committed. */
  private inFlight = 0;
  private readonly maxRowsPerGroup: number;
  private readonly maxBytesPerGroup: number;

  constructor(
    private readonly store: CaptureWriter,
    private readonly options: GroupCommitOptions,
  ) {
    this.maxRowsPerGroup = options.maxRowsPerGroup ?? 1_000;
    this.maxBytesPerGroup = options.maxBytesPerGroup ?? 32 * 1024 * 1024;
  }

  /** Captures accepted and not yet committed, including the group being written. */
  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  /**
   * Resolves once the row is committed.
   * @throws AppError service_unavailable when too many captures are waiting (overload)
   */
  write(row: CaptureRow): Promise<void> {
    if (this.pending >= this.options.maxPending) {
      return Promise.reject(new AppError("service_unavailable", "Hookyard is overloaded; retry shortly.", { "Retry-After": "1" }));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      if (!this.writing) {
        this.writing = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Resolves when everything accepted so far has been written (or has failed). */
  async flushed(): Promise<void> {
    while (this.writing || this.queue.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.takeGroup();
      this.inFlight = group.length;
      try {
        this.settleCommitted(group, await this.store.insertAll(group.map((pending) => pending.row)));
      } catch (error) {
        // A full, unreachable or stalled database refuses every row alike: trying them one
        // by one would only multiply the load on a database that is already failing.
        if (error instanceof StorageFullError || error instanceof StorageUnavailableError) for (const pending of group) pending.reject(error);
        // One bad row (its bin deleted a moment ago, say) must not fail its neighbours:
        // retry the group row by row so each caller gets its own outcome.
        else await this.writeOneByOne(group);
      }
      this.inFlight = 0;
    }
    this.writing = false;
  }

  private takeGroup(): Pending[] {
    let rows = 0;
    let bytes = 0;
    while (rows < this.queue.length && rows < this.maxRowsPerGroup) {
      const size = this.queue[rows]!.row.size;
      if (rows > 0 && bytes + size > this.maxBytesPerGroup) break;
      bytes += size;
      rows += 1;
    }
    return this.queue.splice(0, rows);
  }

  private async writeOneByOne(group: Pending[]): Promise<void> {
    for (const pending of group) {
      try {
        this.settleCommitted([pending], await this.store.insertAll([pending.row]));
      } catch (error) {
        pending.reject(error);
      }
    }
  }

  private settleCommitted(group: Pending[], { seqs, pruned }: Committed): void {
    group.forEach((pending, index) => {
      pending.resolve();
      this.options.onCommitted?.(pending.row, seqs[index]!);
    });
    for (const each of pruned) this.options.onPruned?.(each);
  }
}
