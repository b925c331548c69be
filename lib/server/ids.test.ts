import { ulid } from "ulid";
import { describe, expect, it } from "vitest";
import { isBinId, isRequestId, newBinId, newRequestId, requestIdFloor, requestIdTime } from "./ids.ts";

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
