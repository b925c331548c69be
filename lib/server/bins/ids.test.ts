import { ulid } from "ulid";
import { describe, expect, it } from "vitest";
import { isBinId, isRequestId, newBinId, newRequestId, pooledRandomFraction, requestIdFloor, requestIdTime } from "./ids.ts";

describe("ids", () => {
  it("makes 22-character base64url bin ids that pass their own check", () => {
    const ids = Array.from({ length: 200 }, newBinId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(isBinId(id)).toBe(true);
    expect(isBinId("short")).toBe(false);
    expect(isBinId(`${ids[0]}A`)).toBe(false);
    expect(isBinId("AAAAAAAAAAAAAAAAAAAA+/")).toBe(false);
  });

  it("makes capture ids that sort in the order they were made, even within a millisecond or with a clock step back", () => {
    const now = Date.now();
    const times = [now, now, now, now - 5, now + 1, now + 1, now - 1000];
    const ids = times.map((time) => newRequestId(time));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(isRequestId(id)).toBe(true);
  });

  it("draws ulid's random characters from a pool that refills, every one of the 32 symbols about equally often", () => {
    const random = pooledRandomFraction(8); // refilled 8,000 times below
    const symbolCounts = new Array<number>(32).fill(0);
    for (let i = 0; i < 64_000; i += 1) {
      const fraction = random();
      expect(fraction).toBeGreaterThanOrEqual(0);
      expect(fraction).toBeLessThan(1);
      symbolCounts[Math.floor(fraction * 32)]! += 1;
    }
    // 2,000 expected each; the bounds are about seven standard deviations away.
    for (const count of symbolCounts) {
      expect(count).toBeGreaterThan(1_700);
      expect(count).toBeLessThan(2_300);
    }
  });

  it("gives captures in different milliseconds different random parts", () => {
    const now = Date.now() + 10_000;
    const randomParts = Array.from({ length: 50 }, (_, i) => newRequestId(now + i).slice(10));
    expect(new Set(randomParts).size).toBe(randomParts.length);
  });

  it("rejects what is not an uppercase Crockford ULID", () => {
    expect(isRequestId("01arz3ndektsv4rrffq69g5fav")).toBe(false);
    expect(isRequestId("01ARZ3NDEKTSV4RRFFQ69G5FAVX")).toBe(false);
    expect(isRequestId("01ARZ3NDEKTSV4RRFFQ69G5FAI")).toBe(false); // I is not in the alphabet
    expect(isRequestId("01ARZ3NDEKTSV4RRFFQ69G5FAV")).toBe(true);
  });

  it("a floor id sorts above every capture made before its millisecond and at or below every one made since", () => {
    const time = 1_763_900_000_000;
    const floor = requestIdFloor(time);
    expect(isRequestId(floor)).toBe(true);
    expect(requestIdTime(floor)).toBe(time);
    // Plain ULIDs: the monotonic factory would not go back in time after earlier tests.
    expect(ulid(time - 1) < floor).toBe(true);
    expect(ulid(time) >= floor).toBe(true);
    expect(ulid(time + 1) > floor).toBe(true);
  });
});
