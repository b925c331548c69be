import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStream, type SseClient } from "../../../e2e/support/sse.ts";
import type { ForwardAttemptSummary, ForwardJobDto, RequestSummary, StreamedBinEvent } from "../../types.ts";
import type { BinAccess } from "../access/authorize.ts";
import { createBin } from "../bins/bins.ts";
import { createInProcessBus, type EventBus } from "./events.ts";
import { formatEvent, LiveStreams } from "./live-stream.ts";
import { useTestDatabase } from "../storage/test-database.ts";

useTestDatabase({ BINS_PER_IP_PER_HOUR: "0" });

const summary: RequestSummary = {
  id: "01K00000000000000000000001",
  seq: 7,
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
  it("sends a capture as a `request` event whose id is the capture's place in its bin", () => {
    const text = formatEvent({ type: "request", request: summary });
    expect(text).toBe(`event: request\nid: 7\ndata: ${JSON.stringify(summary)}\n\n`);
    const parsed = parse(text);
    expect(parsed).toEqual({ event: "request", id: "7", data: [JSON.stringify(summary)] });
    expect(JSON.parse(parsed.data[0]!)).toEqual(summary);
  });

  it("keeps data on one line even when captured values contain newlines", () => {
    const tricky = { ...summary, path: "/a\n\nevent: bin-deleted\n", contentType: "text/plain\r\ndata: x" };
    const parsed = parse(formatEvent({ type: "request", request: tricky }));
    expect(parsed.event).toBe("request");
    expect(parsed.data).toHaveLength(1);
    expect(JSON.parse(parsed.data[0]!)).toEqual(tricky);
  });

  it.each<{ event: StreamedBinEvent; expected: { event: string; data: unknown } }>([
    { event: { type: "request-deleted", binId: summary.binId, requestId: summary.id }, expected: { event: "request-deleted", data: { id: summary.id } } },
    { event: { type: "requests-cleared", binId: summary.binId, throughSeq: 12 }, expected: { event: "requests-cleared", data: { through: 12 } } },
    { event: { type: "bin-deleted", binId: summary.binId }, expected: { event: "bin-deleted", data: {} } },
    { event: { type: "resync", binId: summary.binId }, expected: { event: "resync", data: {} } },
  ])("formats $event.type without an id, so it does not move the resume point", ({ event, expected }) => {
    const parsed = parse(formatEvent(event));
    expect(parsed.id).toBeUndefined();
    expect(parsed.event).toBe(expected.event);
    expect(parsed.data.map((d) => JSON.parse(d) as unknown)).toEqual([expected.data]);
  });

  it("sends an auto-forward attempt as a `forward-attempt` event without an id", () => {
    const attempt: ForwardAttemptSummary = {
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
    const job: ForwardJobDto = {
      state: "pending",
      target: attempt.target,
      attempts: 1,
      maxAttempts: 5,
      nextAttemptAt: 1_700_000_001_500,
      lastError: "the target answered 503",
    };
    const parsed = parse(formatEvent({ type: "forward-attempt", binId: summary.binId, attempt, job }));
    expect(parsed.id).toBeUndefined();
    expect(parsed.event).toBe("forward-attempt");
    expect(parsed.data.map((d) => JSON.parse(d) as unknown)).toEqual([{ attempt, job }]);
  });
});

const forwardAttempt = (binId: string): StreamedBinEvent => ({
  type: "forward-attempt",
  binId,
  attempt: {
    id: "01K00000000000000000000003",
    requestId: summary.id,
    createdAt: 1_700_000_000_500,
    target: "http://127.0.0.1:4000/hooks?key=target-secret",
    url: "http://127.0.0.1:4000/hooks?key=target-secret",
    method: "POST",
    requestHeaders: [["Authorization", "Bearer captured-secret"]],
    requestSize: 2,
    resigned: false,
    durationMs: 3,
    status: 200,
    headers: [],
    bodyTruncated: false,
    error: null,
    automatic: true,
  },
  job: { state: "delivered", target: "http://127.0.0.1:4000/hooks?key=target-secret", attempts: 1, maxAttempts: 5, nextAttemptAt: null, lastError: null },
});

/**
 * LiveStreams on a plain loopback server, with the access each stream gets chosen by
 * its Authorization header (`Bearer <name>` from `accesses`) instead of real grants.
 */
describe("LiveStreams and the access a stream was opened with", () => {
  let bus: EventBus;
  let streams: LiveStreams;
  let server: http.Server;
  let baseUrl: string;
  let binId: string;
  const accesses = new Map<string, BinAccess>();
  /** Runs while a stream's access is being checked, before it is granted. */
  let duringAuthorization: (access: BinAccess) => void = () => {};
  const open: SseClient[] = [];
  /** Grants revoked where this process did not hear it (another instance, while its listener was down). */
  const revokedUnheard = new Set<string>();

  beforeAll(async () => {
    binId = (await createBin("127.0.0.1")).id;
    bus = createInProcessBus();
    streams = new LiveStreams(bus, {
      heartbeatMs: 60_000,
      grantIsLive: async (_binId, grantId) => !revokedUnheard.has(grantId),
      authorize: async (req) => {
        const access = accesses.get(String(req.headers.authorization).replace(/^Bearer /, ""));
        if (!access) throw new Error("the test asked for an access it did not set up");
        duringAuthorization(access);
        return access;
      },
    });
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      void streams.serve(req, res, url.pathname.split("/")[3] ?? "", url.searchParams.get("after"), "127.0.0.1");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const client of open) client.close();
    streams?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  function access(name: string, role: BinAccess["role"], expiresAt: number | null = null): string {
    accesses.set(name, { binId, role, grantId: `grant-${name}`.padEnd(16, "0"), expiresAt, via: "bearer" });
    return name;
  }

  async function stream(name: string): Promise<SseClient> {
    const client = await openStream(baseUrl, binId, { headers: { Authorization: `Bearer ${name}` } });
    open.push(client);
    return client;
  }

  /** Publishes a capture and resolves once `witness` (a stream that keeps going) has it, so every stream had its chance. */
  async function publishCapture(witness: SseClient, seq: number): Promise<void> {
    bus.publish(binId, { type: "request", request: { ...summary, binId, id: `01K000000000000000000000${seq}`, seq } });
    await witness.waitFor((m) => m.kind === "event" && m.id === String(seq), 3_000);
  }

  it("sends a viewer no forward-attempt events, and the owner every one", async () => {
    const owner = await stream(access("owner-a", "owner"));
    const viewer = await stream(access("viewer-a", "viewer"));
    bus.publish(binId, forwardAttempt(binId));
    await owner.waitForEvents("forward-attempt", 1, 3_000);
    await publishCapture(owner, 11);
    await viewer.waitFor((m) => m.kind === "event" && m.id === "11", 3_000);
    expect(viewer.events().map((event) => event.event)).toEqual(["ready", "request"]);
    expect(viewer.messages.map((m) => JSON.stringify(m)).join("")).not.toContain("target-secret");
    expect(owner.events().map((event) => event.event)).toEqual(["ready", "forward-attempt", "request"]);
  });

  it("cuts off the streams of a revoked grant and only those, and says nothing of it to the others", async () => {
    const revoked = await stream(access("viewer-b", "viewer"));
    const alsoRevoked = await stream("viewer-b");
    const other = await stream(access("viewer-c", "viewer"));
    bus.publish(binId, { type: "grant-revoked", binId, grantId: accesses.get("viewer-b")!.grantId });
    await Promise.race([Promise.all([revoked.ended, alsoRevoked.ended]), new Promise((_, reject) => setTimeout(() => reject(new Error("still open")), 3_000))]);
    await publishCapture(other, 12);
    expect(revoked.events().map((event) => event.event)).toEqual(["ready"]);
    expect(other.events().map((event) => event.event)).toEqual(["ready", "request"]);
    expect(other.messages.map((m) => JSON.stringify(m)).join("")).not.toContain(accesses.get("viewer-b")!.grantId);
  });

  it("on a resync, ends the streams whose grant was revoked unheard, passes the resync to the others", async () => {
    const unheard = await stream(access("viewer-e", "viewer"));
    const kept = await stream(access("viewer-f", "viewer"));
    revokedUnheard.add(accesses.get("viewer-e")!.grantId);
    bus.publish(binId, { type: "resync", binId });
    await Promise.race([unheard.ended, new Promise((_, reject) => setTimeout(() => reject(new Error("still open after the resync")), 3_000))]);
    await kept.waitForEvents("resync", 1, 3_000);
    await publishCapture(kept, 14);
    expect(kept.events().map((event) => event.event)).toEqual(["ready", "resync", "request"]);
  });

  it("refuses a stream whose grant is revoked while it is being checked", async () => {
    const name = access("viewer-d", "viewer");
    const held = streams.size;
    duringAuthorization = (granted) => bus.publish(binId, { type: "grant-revoked", binId, grantId: granted.grantId });
    try {
      const refused = await openStream(baseUrl, binId, { headers: { Authorization: `Bearer ${name}` } });
      expect(refused.status).toBe(404);
    } finally {
      duringAuthorization = () => {};
    }
    expect(streams.size).toBe(held);
  });

  it("ends a stream when its grant expires, and keeps one whose grant lives longer than a timer can wait", async () => {
    const opened = Date.now();
    const expiring = await stream(access("viewer-e", "viewer", opened + 400));
    const lasting = await stream(access("viewer-f", "viewer", opened + 365 * 24 * 3600 * 1000));
    await Promise.race([expiring.ended, new Promise((_, reject) => setTimeout(() => reject(new Error("still open after its grant expired")), 3_000))]);
    expect(Date.now()).toBeGreaterThanOrEqual(opened + 400);
    // A delay past 2^31 ms would make a plain setTimeout fire at once.
    await publishCapture(lasting, 13);
    expect(lasting.events().map((event) => event.event)).toEqual(["ready", "request"]);
  });
});
