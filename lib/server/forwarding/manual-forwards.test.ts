import { describe, expect, it } from "vitest";
import { AppError } from "../errors.ts";
import { ForwardSlots } from "./manual-forwards.ts";

function refusal(take: () => unknown): AppError {
  try {
    take();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("the slot was given");
}

describe("ForwardSlots", () => {
  it("gives each bin at most its share, and all bins together at most the total", () => {
    const slots = new ForwardSlots({ total: 3, perBin: 2, holdMs: 30_000 });
    slots.take("a", 0);
    slots.take("a", 0);
    const perBin = refusal(() => slots.take("a", 0));
    expect(perBin.code).toBe("too_many_requests");
    expect(perBin.message).toMatch(/This bin already has 2 forwards waiting for their targets \(FORWARD_MANUAL_CONCURRENCY_PER_BIN\)/);
    slots.take("b", 0);
    const total = refusal(() => slots.take("c", 0));
    expect(total.message).toMatch(/Hookyard already has 3 forwards waiting for their targets \(FORWARD_MANUAL_CONCURRENCY\)/);
    expect(slots.inFlight).toBe(3);
  });

  it("frees a slot on release, once however often it is called", () => {
    const slots = new ForwardSlots({ total: 2, perBin: 2, holdMs: 30_000 });
    const first = slots.take("a", 0);
    slots.take("a", 0);
    first.release();
    first.release();
    expect(slots.inFlight).toBe(1);
    slots.take("b", 0);
    expect(() => slots.take("c", 0)).toThrow(AppError);
  });

  it("says in Retry-After when the oldest forward that would free a slot must be over", () => {
    const slots = new ForwardSlots({ total: 3, perBin: 1, holdMs: 10_000 });
    slots.take("a", 1_000);
    slots.take("b", 4_000);
    // Bin b waits for its own forward (started at 4 s, over by 14 s); from 6 s that is 8 s.
    expect(refusal(() => slots.take("b", 6_000)).headers).toEqual({ "Retry-After": "8" });
    slots.take("c", 5_000);
    // The server waits for any forward: a's, over by 11 s.
    expect(refusal(() => slots.take("d", 6_000)).headers).toEqual({ "Retry-After": "5" });
    // A forward held past its timeout (a slow body, say) still gets a hint of a second.
    expect(refusal(() => slots.take("d", 60_000)).headers).toEqual({ "Retry-After": "1" });
  });
});
