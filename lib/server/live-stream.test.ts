import { describe, expect, it } from "vitest";
import type { BinEvent, RequestSummary } from "../types.ts";
import { formatEvent } from "./live-stream.ts";

const summary: RequestSummary = {
  id: "01K00000000000000000000001",
  binId: "AAAAAAAAAAAAAAAAAAAAAA",
  method: "POST",
  path: "/hook",
  query: "a=1",
  contentType: "application/json",
  size: 2,
  ip: "127.0.0.1",
  receivedAt: 1_700_000_000_000,
  signature: { provider: "stripe", status: "invalid", reason: "missing header Stripe-Signature" },
};

/** Parses one SSE block the way EventSource does (fields split at the first ": "). */
function parse(block: string): { event?: string; id?: string; data: string[] } {
  expect(block.endsWith("\n\n")).toBe(true);
  const lines = block.slice(0, -2).split("\n");
  const parsed: { event?: string; id?: string; data: string[] } = { data: [] };
  for (const line of lines) {
    const colon = line.indexOf(":");
    const [field, value] = [line.slice(0, colon), line.slice(colon + 1).replace(/^ /, "")];
    if (field === "event") parsed.event = value;
    else if (field === "id") parsed.id = value;
    else if (field === "data") parsed.data.push(value);
    else throw new Error(`unexpected line ${JSON.stringify(line)}`);
  }
  return parsed;
}

describe("formatEvent", () => {
  it("sends a capture as a `request` event whose id is the capture id", () => {
    const text = formatEvent({ type: "request", request: summary });
    expect(text).toBe(`event: request\nid: ${summary.id}\ndata: ${JSON.stringify(summary)}\n\n`);
    const parsed = parse(text);
    expect(parsed).toEqual({ event: "request", id: summary.id, data: [JSON.stringify(summary)] });
    expect(JSON.parse(parsed.data[0]!)).toEqual(summary);
  });

  it("keeps data on one line even when captured values contain newlines", () => {
    const tricky = { ...summary, path: "/a\n\nevent: bin-deleted\n", contentType: "text/plain\r\ndata: x" };
    const parsed = parse(formatEvent({ type: "request", request: tricky }));
    expect(parsed.event).toBe("request");
    expect(parsed.data).toHaveLength(1);
    expect(JSON.parse(parsed.data[0]!)).toEqual(tricky);
  });

  it.each<{ event: BinEvent; expected: { event: string; data: unknown } }>([
    { event: { type: "request-deleted", binId: summary.binId, requestId: summary.id }, expected: { event: "request-deleted", data: { id: summary.id } } },
    { event: { type: "requests-cleared", binId: summary.binId }, expected: { event: "requests-cleared", data: {} } },
    { event: { type: "bin-deleted", binId: summary.binId }, expected: { event: "bin-deleted", data: {} } },
  ])("formats $event.type without an id, so it does not move the resume point", ({ event, expected }) => {
    const parsed = parse(formatEvent(event));
    expect(parsed.id).toBeUndefined();
    expect(parsed.event).toBe(expected.event);
    expect(parsed.data.map((d) => JSON.parse(d) as unknown)).toEqual([expected.data]);
  });

  it("sends an auto-forward attempt as a `forward-attempt` event without an id", () => {
    const attempt = {
      id: "01K00000000000000000000002",
      requestId: summary.id,
      createdAt: 1_700_000_000_500,
      target: "http://localhost:4000/hooks",
      url: "http://localhost:4000/hooks/hook?a=1",
      method: "POST",
      requestHeaders: [["Host", "localhost:4000"]] as [string, string][],
      requestSize: 2,
      resigned: false,
      durationMs: 12,
      status: 503,
      headers: [["Retry-After", "1"]] as [string, string][],
      bodyTruncated: false,
      error: null,
      automatic: true,
    };
    const job = { state: "pending" as const, target: attempt.target, attempts: 1, maxAttempts: 5, nextAttemptAt: 1_700_000_001_500, lastError: "the target answered 503" };
    const parsed = parse(formatEvent({ type: "forward-attempt", binId: summary.binId, attempt, job }));
    expect(parsed.id).toBeUndefined();
    expect(parsed.event).toBe("forward-attempt");
    expect(parsed.data.map((d) => JSON.parse(d) as unknown)).toEqual([{ attempt, job }]);
  });
});
