/**
 * Bytes of request bodies held in memory at once, across every capture being read or
 * waiting for its commit and every forward by hand in progress. Past the budget new
 * bytes are refused, so a burst of large uploads or forwards sheds load with 503 instead
 * of running the process out of memory.
 */
export class MemoryBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  get inUse(): number {
    return this.used;
  }

  tryReserve(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}

// One per process: captures reserve from the custom server's copy of this module,
// forwards by hand from Next's bundle, and both must draw on the same bytes.
const budgetKey = Symbol.for("hookyard.memoryBudget");
type WithBudget = typeof globalThis & { [budgetKey]?: MemoryBudget };

/** The process's budget of MAX_BUFFERED_BODY_BYTES; `limit` sizes it on first use. */
export function sharedMemoryBudget(limit: number): MemoryBudget {
  const holder = globalThis as WithBudget;
  holder[budgetKey] ??= new MemoryBudget(limit);
  return holder[budgetKey];
}
