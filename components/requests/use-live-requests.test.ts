import { describe, expect, it } from "vitest";
import type { RequestSummary } from "@/lib/types";
import { clearThrough, type LiveState, pruneThrough } from "./use-live-requests";

const summary = (seq: number): RequestSummary => ({
  id: `01K0${seq}`,
  seq,
  binId: "AAAAAAAAAAAAAAAAAAAAAA",
  method: "POST",
  path: "",
  query: "",
  contentType: null,
  size: 0,
  ip: "127.0.0.1",
  receivedAt: 0,
  signature: { provider: null, status: "unchecked", reason: null },
});

describe("pruneThrough", () => {
  // Newest first, as the list holds them; places (seq) compare as numbers, so 10 is after 9.
  const state: LiveState = { requests: [11, 10, 9].map(summary), total: 1_000, nextCursor: "9" };

  it("drops what retention removed, lowers the total by the number removed, and keeps the cursor while older pages remain", () => {
    expect(pruneThrough(state, 2, 2)).toEqual({ requests: state.requests, total: 998, nextCursor: "9" });
    const next = pruneThrough(state, 9, 7);
    expect(next.requests.map((request) => request.seq)).toEqual([11, 10]);
    expect(next).toMatchObject({ total: 993, nextCursor: null });
  });

  it("never counts below zero", () => {
    expect(pruneThrough(state, 12, 5_000)).toEqual({ requests: [], total: 0, nextCursor: null });
  });
});

describe("clearThrough", () => {
  it("keeps only captures at a higher place than the clear reached (stored meanwhile elsewhere), and counts just those", () => {
    const state: LiveState = { requests: [13, 12, 11, 10].map(summary), total: 500, nextCursor: "10" };
    expect(clearThrough(state, 11)).toEqual({ requests: [summary(13), summary(12)], total: 2, nextCursor: null });
    expect(clearThrough(state, 13)).toEqual({ requests: [], total: 0, nextCursor: null });
  });
});
