import { describe, expect, it } from "vitest";
import type { BinEvent, ForwardAttemptSummary, ForwardJobDto } from "../../types.ts";
import { captureNotice, eventNotice, maxNoticeBytes, parseNotice } from "./notices.ts";

const binId = "aBcDeFgHiJkLmNoPqRsTuV";
const from = "instance-a";

const attempt: ForwardAttemptSummary = {
  id: "01K00000000000000000000002",
  requestId: "01K00000000000000000000001",
  createdAt: 1_700_000_000_500,
  target: "http://localhost:4000/hooks",
  url: "http://localhost:4000/hooks",
  method: "POST",
  // An attempt's headers alone can exceed what a NOTIFY payload takes.
  requestHeaders: [["X-Big", "x".repeat(20_000)]],
  requestSize: 2,
  resigned: false,
  durationMs: 12,
  status: 200,
  headers: [],
  bodyTruncated: false,
  error: null,
  automatic: true,
};
const job: ForwardJobDto = { state: "delivered", target: attempt.target, attempts: 1, maxAttempts: 3, nextAttemptAt: null, lastError: null };

describe("live notices", () => {
  it("encodes a capture as its bin, its sequence and the sending instance, and reads it back", () => {
    const payload = captureNotice(binId, 42, from);
    expect(JSON.parse(payload)).toEqual({ t: "c", i: from, b: binId, s: 42 });
    expect(parseNotice(payload)).toEqual({ from, binId, type: "request", seq: 42 });
  });

  it.each<{ event: BinEvent; read: object }>([
    { event: { type: "request-deleted", binId, requestId: attempt.requestId }, read: { type: "request-deleted", requestId: attempt.requestId } },
    { event: { type: "requests-cleared", binId, throughSeq: 12 }, read: { type: "requests-cleared", throughSeq: 12 } },
    {
      event: { type: "requests-pruned", binId, throughSeq: 19, removed: 7 },
      read: { type: "requests-pruned", throughSeq: 19, removed: 7 },
    },
    { event: { type: "bin-deleted", binId }, read: { type: "bin-deleted" } },
    { event: { type: "bin-updated", binId }, read: { type: "bin-updated" } },
    { event: { type: "forward-attempt", binId, attempt, job }, read: { type: "forward-attempt", attemptId: attempt.id } },
    { event: { type: "grant-revoked", binId, grantId: "grant-1" }, read: { type: "grant-revoked", grantId: "grant-1" } },
  ])("carries $event.type as a key only, well under PostgreSQL's limit", ({ event, read }) => {
    const payload = eventNotice(event, from);
    expect(payload).not.toBeNull();
    expect(Buffer.byteLength(payload!)).toBeLessThan(200);
    expect(parseNotice(payload!)).toEqual({ from, binId, ...read });
  });

  it("has no notice for a capture (the writer sends it in its transaction) or a resync (each instance makes its own)", () => {
    expect(eventNotice({ type: "resync", binId }, from)).toBeNull();
    const request = { id: attempt.requestId, binId, seq: 1, method: "POST", path: "", query: "", contentType: null, size: 0, ip: "127.0.0.1", receivedAt: 0 };
    expect(eventNotice({ type: "request", request: { ...request, signature: { provider: null, status: "unchecked", reason: null } } }, from)).toBeNull();
  });

  it("refuses to encode a payload PostgreSQL would refuse", () => {
    expect(() => captureNotice("b".repeat(maxNoticeBytes), 1, from)).toThrow(/exceeds/);
  });

  it.each([
    "",
    "not json",
    "null",
    "[]",
    '{"t":"c","i":"a","b":"b"}',
    '{"t":"c","i":"a","b":"b","s":-1}',
    '{"t":"zz","i":"a","b":"b"}',
    '{"t":"d","i":"a","b":""}',
  ])("reads %j as no notice", (payload) => {
    expect(parseNotice(payload)).toBeNull();
  });
});
