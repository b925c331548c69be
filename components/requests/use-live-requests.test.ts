import { describe, expect, it } from "vitest";
import type { RequestSummary } from "@/lib/types";
import { type LiveState, pruneThrough } from "./use-live-requests";

const summary = (id: string): RequestSummary => ({
  id,
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
  // Newest first, as the list holds them; ULIDs compare as strings.
  const state: LiveState = { requests: ["01K05", "01K04", "01K03"].map(summary), total: 1_000, nextCursor: "01K03" };

  it("drops what retention removed, lowers the total by the number removed, and keeps the cursor while older pages remain", () => {
    expect(pruneThrough(state, "01K01", 2)).toEqual({ requests: state.requests, total: 998, nextCursor: "01K03" });
    const next = pruneThrough(state, "01K03", 7);
    expect(next.requests.map((request) => request.id)).toEqual(["01K05", "01K04"]);
    expect(next).toMatchObject({ total: 993, nextCursor: null });
  });

  it("never counts below zero", () => {
    expect(pruneThrough(state, "01K09", 5_000)).toEqual({ requests: [], total: 0, nextCursor: null });
  });
});
