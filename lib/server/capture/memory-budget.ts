/**
 * Bytes of request bodies held in memory at once, across every capture being read or
 * waiting for its commit. Past the budget new bytes are refused, so a burst of large
 * uploads sheds load with 503 instead of running the process out of memory.
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
