import { readdirSync } from "node:fs";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ForwardAttemptDto, ForwardList } from "@/lib/types";
import { api, captureOk, createBin, eventually, request, type RawResponse } from "../support/factories";
import { startTestServer, type TestServer } from "../support/server";
import { startTargetServer, type TargetServer } from "../support/target";

/**
 * Forwards by hand are bounded: in flight per bin and in all (FORWARD_MANUAL_CONCURRENCY,
 * _PER_BIN), in the memory they hold (MAX_BUFFERED_BODY_BYTES, shared with captures),
 * and in the attempts kept per capture.
 */
const perBin = 2;
const total = 4;
const timeoutMs = 20_000;

/** A target on loopback that accepts connections and never answers; its sockets end when the test says so. */
type SilentTarget = { baseUrl: string; sockets: net.Socket[]; hangUp(): void; close(): Promise<void> };

async function startSilentTarget(): Promise<SilentTarget> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    // Reset by our own hangUp; nothing to report.
    socket.on("error", () => socket.destroy());
    sockets.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  const hangUp = () => {
    for (const socket of sockets.splice(0)) socket.destroy();
  };
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    sockets,
    hangUp,
    close: () => {
      hangUp();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

let server: TestServer;
let silent: SilentTarget;
let answering: TargetServer;
beforeAll(async () => {
  [server, silent, answering] = await Promise.all([
    startTestServer({
      env: {
        FORWARD_MANUAL_CONCURRENCY: String(total),
        FORWARD_MANUAL_CONCURRENCY_PER_BIN: String(perBin),
        // The hang-up ends the silent forwards; the timeout only bounds a failing test.
        FORWARD_TIMEOUT_MS: String(timeoutMs),
        MAX_BODY_BYTES: String(256 * 1024),
        MAX_BUFFERED_BODY_BYTES: String(1024 * 1024),
        FORWARD_MAX_RESPONSE_BYTES: String(64 * 1024),
      },
    }),
    startSilentTarget(),
    startTargetServer(),
  ]);
});
afterAll(async () => {
  await Promise.all([server.dispose(), silent.close(), answering.close()]);
});

/** POST …/forward on a connection of its own (node:http, closed after the answer), so idle client sockets do not count as the server's. */
function forward(binId: string, requestId: string, body: unknown): Promise<RawResponse> {
  return request(server.baseUrl, {
    method: "POST",
    path: `/api/bins/${binId}/requests/${requestId}/forward`,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
    timeoutMs: timeoutMs + 10_000,
  });
}

const openFds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

/** Starts a forward to the silent target and waits until it holds its connection there; `answer` is its eventual answer. */
async function hangingForward(binId: string, requestId: string, body: Record<string, unknown> = {}): Promise<{ answer: Promise<RawResponse> }> {
  const before = silent.sockets.length;
  const answer = forward(binId, requestId, { url: silent.baseUrl, ...body });
  await eventually(() => expect(silent.sockets.length).toBe(before + 1), 10_000);
  return { answer };
}

describe("forwards by hand in flight", () => {
  it("are capped per bin and in all: 429 with Retry-After beyond, while the server stays healthy and its descriptors bounded", async () => {
    const bins = await Promise.all([createBin(server.baseUrl), createBin(server.baseUrl), createBin(server.baseUrl)]);
    const captures = await Promise.all(bins.map((bin) => captureOk(server.baseUrl, bin.id, { body: "small" })));
    const pid = server.pid()!;
    const fdsBefore = openFds(pid);

    const perBinAsked = 8;
    const settled: { bin: number; response: RawResponse }[] = [];
    const all = bins.flatMap((bin, index) =>
      Array.from({ length: perBinAsked }, () =>
        forward(bin.id, captures[index]!, { url: silent.baseUrl }).then((response) => settled.push({ bin: index, response })),
      ),
    );
    const asked = bins.length * perBinAsked;
    // Everything beyond the cap is answered at once; the forwards holding a slot wait on the silent target.
    await eventually(() => expect(settled.length).toBe(asked - total), 15_000);
    await eventually(() => expect(silent.sockets.length).toBe(total), 5_000);

    for (const { response } of settled) {
      expect(response.status, response.body.toString()).toBe(429);
      expect(Number(response.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      expect(Number(response.headers["retry-after"])).toBeLessThanOrEqual(timeoutMs / 1_000);
      expect((response.json as { message: string }).message).toMatch(/forwards waiting for their targets \(FORWARD_MANUAL_CONCURRENCY(_PER_BIN)?\)/);
    }
    const refusedPerBin = bins.map((_, index) => settled.filter((entry) => entry.bin === index).length);
    const heldPerBin = refusedPerBin.map((refused) => perBinAsked - refused);
    expect(heldPerBin.reduce((sum, held) => sum + held, 0)).toBe(total);
    for (const held of heldPerBin) expect(held).toBeLessThanOrEqual(perBin);

    // Still healthy: the dashboard's API and capture answer at once.
    const started = Date.now();
    expect((await fetch(`${server.baseUrl}/api/health`, { signal: AbortSignal.timeout(5_000) })).status).toBe(200);
    await captureOk(server.baseUrl, bins[0].id, { body: "still capturing" });
    expect(Date.now() - started).toBeLessThan(5_000);
    // A socket in and a socket out per forward in flight, and little else.
    expect(openFds(pid)).toBeLessThanOrEqual(fdsBefore + 2 * total + 6);

    silent.hangUp();
    await Promise.all(all);
    const ended = settled.filter(({ response }) => response.status !== 429);
    expect(ended).toHaveLength(total);
    for (const { response } of ended) {
      expect(response.status).toBe(200);
      expect((response.json as ForwardAttemptDto).error).toBeTruthy();
    }

    // The slots are free again.
    const again = await forward(bins[0].id, captures[0]!, { url: answering.baseUrl });
    expect(again.status, again.body.toString()).toBe(200);
    expect((again.json as ForwardAttemptDto).status).toBe(200);
  });

  it("count the bytes they hold against MAX_BUFFERED_BODY_BYTES: 503 with Retry-After once it is spent", async () => {
    const [first, second] = await Promise.all([createBin(server.baseUrl), createBin(server.baseUrl)]);
    const large = Buffer.alloc(200 * 1024, 0x61);
    const [firstCapture, secondCapture] = await Promise.all([
      captureOk(server.baseUrl, first.id, { body: large }),
      captureOk(server.baseUrl, second.id, { body: large }),
    ]);

    // About 264 KiB (the stored body re-sent, room for the answer), then about 536 KiB
    // (the edited body in base64 and decoded, room for the answer): within 1 MiB.
    const holding = [
      (await hangingForward(first.id, firstCapture)).answer,
      (await hangingForward(second.id, secondCapture, { bodyBase64: large.toString("base64") })).answer,
    ];
    // Another 264 KiB would pass it: refused before anything is sent.
    const refused = await forward(first.id, firstCapture, { url: silent.baseUrl });
    expect(refused.status, refused.body.toString()).toBe(503);
    expect(refused.headers["retry-after"]).toBe("1");
    expect((refused.json as { message: string }).message).toMatch(/MAX_BUFFERED_BODY_BYTES/);
    expect(silent.sockets).toHaveLength(2);

    silent.hangUp();
    for (const response of await Promise.all(holding)) expect(response.status).toBe(200);
    // Released with the forwards: the same forward goes through now.
    const after = await forward(first.id, firstCapture, { url: answering.baseUrl });
    expect(after.status, after.body.toString()).toBe(200);
    expect(answering.received.at(-1)?.body.equals(large)).toBe(true);
  });
});

describe("attempts kept per capture", () => {
  it("are the newest 50: older ones go as new ones are kept", async () => {
    const bin = await createBin(server.baseUrl);
    const id = await captureOk(server.baseUrl, bin.id, { body: "again and again" });
    const made: string[] = [];
    for (let i = 0; i < 53; i += 1) {
      const response = await forward(bin.id, id, { url: `${answering.baseUrl}/attempt-${i}` });
      expect(response.status, response.body.toString()).toBe(200);
      made.push((response.json as ForwardAttemptDto).id);
    }
    const list = (await api(server.baseUrl, `/api/bins/${bin.id}/requests/${id}/forwards`)).json as ForwardList;
    expect(list.attempts.map((attempt) => attempt.id)).toEqual(made.slice(3));
    expect(list.attempts[0]?.url).toMatch(/\/attempt-3$/);
  });
});
