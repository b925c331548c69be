import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BinDto, BinEvent, ForwardList } from "@/lib/types";
import { api, binaryBody, captureOk, countCapturedRows, createBin, eventually, listAllRequests, patchBin } from "../support/factories";
import { startTestServer, type TestServer } from "../support/server";
import { openStream } from "../support/sse";
import { type Answer, startTargetServer, type TargetServer } from "../support/target";

// Waits short enough for a test, long enough to measure: the n-th retry waits between
// base·2^(n−1)/2 and base·2^(n−1).
const retryBaseMs = 400;
// A hanging target gives up after forwardTimeoutMs.
const forwardTimeoutMs = 3_000;
const env = {
  FORWARD_RETRY_BASE_MS: String(retryBaseMs),
  FORWARD_RETRY_MAX_MS: "5000",
  FORWARD_TIMEOUT_MS: String(forwardTimeoutMs),
  SSE_HEARTBEAT_MS: "60000",
};

let server: TestServer;
let target: TargetServer;
/**
 * How the target answers, per first path segment (one per bin): each script is played
 * in order, its last answer repeating; null leaves the request hanging.
 */
const scripts = new Map<string, (Answer | null)[]>();
/** When each request reached the target, per first path segment. */
const arrivals = new Map<string, number[]>();

beforeAll(async () => {
  [server, target] = await Promise.all([
    startTestServer({ env }),
    startTargetServer((received) => {
      const path = `/${received.url.split(/[/?]/)[1]}`;
      const times = arrivals.get(path) ?? [];
      times.push(Date.now());
      arrivals.set(path, times);
      const script = scripts.get(path) ?? [{ status: 200 }];
      return script[Math.min(times.length, script.length) - 1] ?? null;
    }),
  ]);
});
afterAll(async () => {
  await Promise.all([server?.dispose(), target?.close()]);
});

const unavailable: Answer = { status: 503, body: "busy" };
const accepted: Answer = { status: 200, headers: { "Content-Type": "application/json" }, body: '{"ok":true}' };

async function patchForward(binId: string, forward: unknown) {
  return patchBin(server.baseUrl, binId, { forward });
}

/** A bin that auto-forwards to the target's `path`, answered by `script`. */
async function autoForwardingBin(path: string, script: (Answer | null)[], maxAttempts = 5) {
  scripts.set(path, script);
  const bin = await createBin(server.baseUrl);
  const patched = await patchForward(bin.id, { url: `${target.baseUrl}${path}`, enabled: true, maxAttempts });
  expect(patched.status, patched.text).toBe(200);
  return bin;
}

async function forwards(binId: string, requestId: string): Promise<ForwardList> {
  const response = await api(server.baseUrl, `/api/bins/${binId}/requests/${requestId}/forwards`);
  expect(response.status, response.text).toBe(200);
  return response.json as ForwardList;
}

/** Waits until the capture's job has ended (delivered or failed). */
function ended(binId: string, requestId: string, timeoutMs = 15_000): Promise<ForwardList> {
  return eventually(async () => {
    const list = await forwards(binId, requestId);
    expect(list.job?.state).toMatch(/^(delivered|failed)$/);
    return list;
  }, timeoutMs);
}

const gaps = (times: number[]) => times.slice(1).map((time, i) => time - times[i]!);

describe("the auto-forward setting", () => {
  it("is set, shown and validated through PATCH /api/bins/{binId}", async () => {
    const bin = await createBin(server.baseUrl);
    const url = `${target.baseUrl}/setting`;
    expect(((await patchForward(bin.id, { url, enabled: true })).json as BinDto).forward).toEqual({ url, enabled: true, maxAttempts: 5 });
    expect(((await patchForward(bin.id, { url, maxAttempts: 3 })).json as BinDto).forward).toEqual({ url, enabled: true, maxAttempts: 3 });
    expect(((await api(server.baseUrl, `/api/bins/${bin.id}`)).json as BinDto).forward).toEqual({ url, enabled: true, maxAttempts: 3 });
    expect(((await patchForward(bin.id, { url, enabled: false })).json as BinDto).forward).toEqual({ url, enabled: false, maxAttempts: 3 });
    for (const bad of [{ url, maxAttempts: 0 }, { url, maxAttempts: 21 }, { url, maxAttempts: 2.5 }, { url, enabled: "yes" }, { enabled: true }]) {
      expect((await patchForward(bin.id, bad)).status, JSON.stringify(bad)).toBe(422);
    }
  });

  it("leaves captures alone while off", async () => {
    const bin = await autoForwardingBin("/off", [accepted]);
    await patchForward(bin.id, { url: `${target.baseUrl}/off`, enabled: false });
    const id = await captureOk(server.baseUrl, bin.id, { body: "not for forwarding" });
    const list = await forwards(bin.id, id);
    expect(list.job).toBeNull();
    expect(list.attempts).toEqual([]);
  });
});

describe("auto-forwarding each new capture", () => {
  it("retries a target failing twice with growing waits, then delivers; each attempt is kept and streamed live", async () => {
    const bin = await autoForwardingBin("/flaky", [unavailable, unavailable, accepted]);
    const stream = await openStream(server.baseUrl, bin.id);
    const body = binaryBody();
    const id = await captureOk(server.baseUrl, bin.id, { path: "/hooks/x", query: "a=1", body, headers: { "Content-Type": "application/octet-stream" } });

    const list = await ended(bin.id, id);
    expect(list.job).toMatchObject({ state: "delivered", attempts: 3, maxAttempts: 5, nextAttemptAt: null, lastError: null });
    expect(list.attempts.map((attempt) => [attempt.status, attempt.automatic])).toEqual([
      [503, true],
      [503, true],
      [200, true],
    ]);
    expect(list.attempts.every((attempt) => attempt.url === `${target.baseUrl}/flaky/hooks/x?a=1`)).toBe(true);

    const delivered = target.received.filter((received) => received.url === "/flaky/hooks/x?a=1");
    expect(delivered).toHaveLength(3);
    for (const received of delivered) expect(received.body.equals(body)).toBe(true);
    // Backoff: the first wait is at least base/2, the second at least base.
    const [first, second] = gaps(arrivals.get("/flaky")!);
    expect(first).toBeGreaterThanOrEqual(retryBaseMs / 2);
    expect(second).toBeGreaterThanOrEqual(retryBaseMs);

    const events = await stream.waitForEvents("forward-attempt", 3);
    stream.close();
    const live = events.map((event) => JSON.parse(event.data) as Extract<BinEvent, { type: "forward-attempt" }>);
    expect(live.map(({ attempt }) => attempt.id)).toEqual(list.attempts.map((attempt) => attempt.id));
    expect(live.map(({ attempt, job }) => [attempt.requestId, attempt.status, job.state, job.attempts])).toEqual([
      [id, 503, "pending", 1],
      [id, 503, "pending", 2],
      [id, 200, "delivered", 3],
    ]);
    expect(live[0]!.job.nextAttemptAt).toBeGreaterThan(live[0]!.attempt.createdAt);
  });

  it("waits as long as Retry-After asks", async () => {
    const bin = await autoForwardingBin("/later", [{ status: 429, headers: { "Retry-After": "2" } }, accepted]);
    const id = await captureOk(server.baseUrl, bin.id, { body: "later" });
    const list = await ended(bin.id, id);
    expect(list.attempts.map((attempt) => attempt.status)).toEqual([429, 200]);
    // Backoff alone would have retried after at most retryBaseMs.
    expect(gaps(arrivals.get("/later")!)[0]).toBeGreaterThanOrEqual(2_000);
  });

  it("stops after one attempt when the target refuses with a 4xx", async () => {
    const bin = await autoForwardingBin("/refuses", [{ status: 400, body: "bad payload" }, accepted]);
    const id = await captureOk(server.baseUrl, bin.id, { body: "refused" });
    const list = await ended(bin.id, id);
    expect(list.job).toMatchObject({ state: "failed", attempts: 1, lastError: "the target answered 400", nextAttemptAt: null });
    expect(list.attempts.map((attempt) => attempt.status)).toEqual([400]);
  });

  it("gives up after maxAttempts, keeping the last error", async () => {
    const bin = await autoForwardingBin("/down", [unavailable], 2);
    const id = await captureOk(server.baseUrl, bin.id, { body: "never" });
    const list = await ended(bin.id, id);
    expect(list.job).toMatchObject({ state: "failed", attempts: 2, maxAttempts: 2, lastError: "the target answered 503" });
    expect(list.attempts.map((attempt) => attempt.status)).toEqual([503, 503]);
  });

  it("stops retrying once auto-forward is turned off, keeping the attempts made", async () => {
    const bin = await autoForwardingBin("/switched-off", [unavailable]);
    const id = await captureOk(server.baseUrl, bin.id, { body: "switched off" });
    await eventually(async () => expect((await forwards(bin.id, id)).job).toMatchObject({ state: "pending", attempts: 1 }));
    const patched = await patchForward(bin.id, { url: `${target.baseUrl}/switched-off`, enabled: false });
    expect(patched.status, patched.text).toBe(200);

    const list = await forwards(bin.id, id);
    expect(list.job).toMatchObject({ state: "failed", attempts: 1, lastError: expect.stringMatching(/turned off/), nextAttemptAt: null });
    expect(list.attempts.map((attempt) => attempt.status)).toEqual([503]);
    // The second attempt was due within retryBaseMs of the first; give it five times that.
    await new Promise((resolve) => setTimeout(resolve, 5 * retryBaseMs));
    expect(arrivals.get("/switched-off")).toHaveLength(1);
  });

  it("shows live the attempt that was in flight when auto-forward was turned off, counted, and does not retry it", async () => {
    const bin = await autoForwardingBin("/off-in-flight", [null]);
    const stream = await openStream(server.baseUrl, bin.id);
    const id = await captureOk(server.baseUrl, bin.id, { body: "in flight" });
    await eventually(() => expect(arrivals.get("/off-in-flight")).toHaveLength(1));
    const patched = await patchForward(bin.id, { url: `${target.baseUrl}/off-in-flight`, enabled: false });
    expect(patched.status, patched.text).toBe(200);

    const [event] = await stream.waitForEvents("forward-attempt", 1, 3 * forwardTimeoutMs);
    stream.close();
    const live = JSON.parse(event!.data) as Extract<BinEvent, { type: "forward-attempt" }>;
    expect(live.attempt).toMatchObject({ requestId: id, status: null, error: expect.stringMatching(/time/) });
    expect(live.job).toMatchObject({ state: "failed", attempts: 1, lastError: expect.stringMatching(/turned off/), nextAttemptAt: null });
    expect((await forwards(bin.id, id)).job).toEqual(live.job);
    await new Promise((resolve) => setTimeout(resolve, 5 * retryBaseMs));
    expect(arrivals.get("/off-in-flight")).toHaveLength(1);
  });

  it("answers the capture at once while the target hangs", async () => {
    const bin = await autoForwardingBin("/hangs", [null]);
    const firstId = await captureOk(server.baseUrl, bin.id, { body: "one" });
    // The first capture's forward is now held open by the target...
    await eventually(() => expect(arrivals.get("/hangs")).toHaveLength(1));
    // ...and the next capture is answered regardless.
    const secondId = await captureOk(server.baseUrl, bin.id, { body: "two" });
    expect(secondId > firstId).toBe(true);
    expect((await forwards(bin.id, firstId)).job).toMatchObject({ state: "running", attempts: 0 });
  });
});

describe("a loop through Hookyard's own capture URLs", () => {
  // Long enough for a runaway loop (a forward every few milliseconds) to pile up captures.
  const settleMs = 1_500;

  /** Turns auto-forward off for the bins, so a failing test does not leave a loop running. */
  const stop = (...binIds: string[]) => Promise.all(binIds.map((binId) => patchBin(server.baseUrl, binId, { forward: null })));

  /** The bin's captures, oldest first, once the loop has had time to run away. */
  async function settled(binId: string) {
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    return (await listAllRequests(server.baseUrl, binId)).reverse();
  }

  it("forwards a capture to its own bin once; the copy that comes back is kept, not forwarded again", async () => {
    const bin = await createBin(server.baseUrl);
    try {
      const patched = await patchForward(bin.id, { url: `${server.baseUrl}/b/${bin.id}/again`, enabled: true });
      expect(patched.status, patched.text).toBe(200);
      const id = await captureOk(server.baseUrl, bin.id, { path: "/first", body: "loop?" });
      const captures = await settled(bin.id);
      expect(countCapturedRows(server.databaseFile, bin.id)).toBe(2);
      expect(captures.map((capture) => capture.path)).toEqual(["/first", "/again/first"]);
      expect((await forwards(bin.id, id)).job).toMatchObject({ state: "delivered", attempts: 1 });
      const copy = await forwards(bin.id, captures[1]!.id);
      expect(copy.job).toMatchObject({ state: "failed", attempts: 0, lastError: expect.stringMatching(/own forwarder/) });
      expect(copy.attempts).toEqual([]);
    } finally {
      await stop(bin.id);
    }
  });

  it("stops the same way through an alias and another name for this instance", async () => {
    const bin = await createBin(server.baseUrl);
    try {
      expect((await patchBin(server.baseUrl, bin.id, { alias: "loop-through-alias" })).status).toBe(200);
      await patchForward(bin.id, { url: `http://localhost:${server.port}/b/loop-through-alias`, enabled: true });
      await captureOk(server.baseUrl, bin.id, { body: "alias loop?" });
      await settled(bin.id);
      expect(countCapturedRows(server.databaseFile, bin.id)).toBe(2);
    } finally {
      await stop(bin.id);
    }
  });

  it("stops a loop between two bins after one hop", async () => {
    const [a, b] = await Promise.all([createBin(server.baseUrl), createBin(server.baseUrl)]);
    try {
      await patchForward(a.id, { url: `${server.baseUrl}/b/${b.id}`, enabled: true });
      await patchForward(b.id, { url: `http://127.0.0.1:${server.port}/b/${a.id}`, enabled: true });
      await captureOk(server.baseUrl, a.id, { body: "ping-pong?" });
      const [reached] = await settled(b.id);
      expect([countCapturedRows(server.databaseFile, a.id), countCapturedRows(server.databaseFile, b.id)]).toEqual([1, 1]);
      expect((await forwards(b.id, reached!.id)).job).toMatchObject({ state: "failed", lastError: expect.stringMatching(/own forwarder/) });
    } finally {
      await stop(a.id, b.id);
    }
  });
});

describe("after a restart", () => {
  it("resumes a job that was waiting for its retry when the server was killed", async () => {
    const bin = await autoForwardingBin("/restart", [{ status: 503, headers: { "Retry-After": "5" } }, accepted]);
    const id = await captureOk(server.baseUrl, bin.id, { body: "survives" });
    await eventually(async () => expect((await forwards(bin.id, id)).job).toMatchObject({ state: "pending", attempts: 1 }));

    await server.kill();
    // Killed before the retry was due: the only record of it is the database.
    expect(arrivals.get("/restart")).toHaveLength(1);
    await server.restart();

    const list = await ended(bin.id, id);
    expect(list.job).toMatchObject({ state: "delivered", attempts: 2 });
    expect(list.attempts.map((attempt) => attempt.status)).toEqual([503, 200]);
    expect(arrivals.get("/restart")).toHaveLength(2);
  });
});
