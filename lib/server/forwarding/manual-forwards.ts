import { getConfig } from "../../config.ts";
import { AppError } from "../errors.ts";
import { retryAfterSeconds } from "../http/rate-limit.ts";

/**
 * Forwards by hand (POST …/forward) in flight at once, across all bins and per bin.
 * Each holds the asking connection, a connection to the target for up to
 * FORWARD_TIMEOUT_MS, and the bytes it sends; and a request of a hundred bytes can make
 * Hookyard send a stored 10 MiB capture. Auto-forward has its own worker pool
 * (FORWARD_CONCURRENCY); this bounds the forwards people and scripts ask for.
 */
export class ForwardSlots {
  private readonly started = new Map<symbol, { binId: string; at: number }>();
  private readonly perBin = new Map<string, number>();

  constructor(
    private readonly limits: {
      total: number;
      perBin: number;
      /** How long a slot is held at most once its exchange starts: FORWARD_TIMEOUT_MS. */
      holdMs: number;
    },
  ) {}

  get inFlight(): number {
    return this.started.size;
  }

  /**
   * A slot for one forward of `binId`; call `release` once it is over (more calls are harmless).
   * @throws AppError too_many_requests with Retry-After when the bin or the server has none free
   */
  take(binId: string, now = Date.now()): { release(): void } {
    const ofBin = this.perBin.get(binId) ?? 0;
    if (ofBin >= this.limits.perBin) {
      throw this.refusal(
        `This bin already has ${ofBin} forwards waiting for their targets (FORWARD_MANUAL_CONCURRENCY_PER_BIN); retry once one has finished.`,
        binId,
        now,
      );
    }
    if (this.started.size >= this.limits.total) {
      throw this.refusal(
        `Hookyard already has ${this.started.size} forwards waiting for their targets (FORWARD_MANUAL_CONCURRENCY); retry shortly.`,
        null,
        now,
      );
    }
    const key = Symbol("forward");
    this.started.set(key, { binId, at: now });
    this.perBin.set(binId, ofBin + 1);
    return {
      release: () => {
        if (!this.started.delete(key)) return;
        const left = (this.perBin.get(binId) ?? 1) - 1;
        if (left > 0) this.perBin.set(binId, left);
        else this.perBin.delete(binId);
      },
    };
  }

  /** Retry-After: when the oldest forward holding a slot that would free one must be over. */
  private refusal(message: string, binId: string | null, now: number): AppError {
    let oldest = now;
    for (const slot of this.started.values()) if ((binId === null || slot.binId === binId) && slot.at < oldest) oldest = slot.at;
    return new AppError("too_many_requests", message, { "Retry-After": retryAfterSeconds(oldest + this.limits.holdMs - now) });
  }
}

// One per process: forwards arrive through Next's bundle, which may load this module twice.
const slotsKey = Symbol.for("hookyard.manualForwardSlots");
type WithSlots = typeof globalThis & { [slotsKey]?: ForwardSlots };

/** The process's slots, sized by FORWARD_MANUAL_CONCURRENCY(_PER_BIN). */
export function manualForwardSlots(): ForwardSlots {
  const holder = globalThis as WithSlots;
  if (!holder[slotsKey]) {
    const { manualConcurrency, manualConcurrencyPerBin, timeoutMs } = getConfig().forward;
    holder[slotsKey] = new ForwardSlots({ total: manualConcurrency, perBin: manualConcurrencyPerBin, holdMs: timeoutMs });
  }
  return holder[slotsKey];
}
