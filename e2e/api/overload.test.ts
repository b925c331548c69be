import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Socket } from "node:net";
import { type CaptureResult, capture, captureOk, connect, countCapturedRows, createBin, eventually, listAllRequests } from "../support/factories";
import { startTestServer, type TestServer } from "../support/server";
import { eventIds, openStream, requestIds } from "../support/sse";

/** Outcomes by status, and proof that exactly the acknowledged captures were stored. */
async function expectOnlyAcknowledgedStored(server: TestServer, binId: string, results: CaptureResult[]) {
  const acknowledged = results.filter((result) => result.status === 200).map((result) => result.id!);
  const listed = await listAllRequests(server.baseUrl, binId);
  const stored = listed.map((request) => request.id);
  expect(stored.sort()).toEqual(acknowledged.sort());
  expect(countCapturedRows(server.databaseFile, binId)).toBe(acknowledged.length);
  // A refused capture took no place: the stored ones hold 1..n without a gap (newest first).
  expect(listed.map((request) => request.seq)).toEqual(acknowledged.map((_, i) => acknowledged.length - i));
}

describe("overload", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: { MAX_PENDING_CAPTURES: "2", MAX_BODY_BYTES: String(256 * 1024), MAX_BUFFERED_BODY_BYTES: String(512 * 1024) },
    });
  });
  afterAll(() => server.dispose());

  it("sheds a burst beyond MAX_PENDING_CAPTURES with 503 and Retry-After, storing only what it acknowledged", async () => {
    const bin = await createBin(server.baseUrl);
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => capture(server.baseUrl, bin.id, { body: `burst ${i}` })));
    const refused = results.filter((result) => result.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    expect(results.every((result) => result.status === 200 || result.status === 503)).toBe(true);
    for (const result of refused) {
      expect(result.headers["retry-after"]).toBe("1");
      expect(JSON.parse(result.body.toString())).toMatchObject({ error: "service_unavailable" });
    }
    await expectOnlyAcknowledgedStored(server, bin.id, results);
    await captureOk(server.baseUrl, bin.id, { body: "calm again" });
  });

  it("refuses bodies beyond the memory budget with 503 instead of buffering them all", async () => {
    const bin = await createBin(server.baseUrl);
    const size = 200 * 1024;
    const head = `POST /b/${bin.id}/upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n`;
    // Two uploads stop one byte short, so their 400 KB stay held against the 512 KB budget.
    const held = await Promise.all([connect(server.baseUrl), connect(server.baseUrl)]);
    for (const socket of held) socket.write(Buffer.concat([Buffer.from(head), Buffer.alloc(size - 1, 1)]));
    await new Promise((resolve) => setTimeout(resolve, 300));

    const third = await connect(server.baseUrl);
    third.write(Buffer.concat([Buffer.from(head), Buffer.alloc(size, 2)]));
    const refused = await responseHead(third);
    expect(refused).toMatch(/^HTTP\/1\.1 503/);
    expect(refused).toMatch(/retry-after: 1/i);

    // The held uploads finish normally, and nothing of the refused one was stored.
    for (const socket of held) socket.write(Buffer.alloc(1, 1));
    for (const socket of held) expect(await responseHead(socket)).toMatch(/^HTTP\/1\.1 200/);
    expect(countCapturedRows(server.databaseFile, bin.id)).toBe(2);
    // Nothing stays reserved: uploads one after another all go through.
    for (let i = 0; i < 4; i++) await captureOk(server.baseUrl, bin.id, { body: Buffer.alloc(size, 3) });
  });
});

/** Reads a raw HTTP response up to the end of its headers. */
function responseHead(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const onData = (chunk: Buffer) => {
      text += chunk.toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      if (end !== -1) {
        socket.off("data", onData);
        resolve(text.slice(0, end));
      }
    };
    socket.on("data", onData);
    socket.once("error", reject);
    setTimeout(() => reject(new Error(`no response head; got ${JSON.stringify(text)}`)), 10_000);
  });
}

describe("a slow live client", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.dispose());

  it("is dropped rather than buffered without bound, and resumes with Last-Event-ID", async () => {
    const bin = await createBin(server.baseUrl);
    const slow = await openStream(server.baseUrl, bin.id, { paused: true });
    // About 16 MB of events: more than the kernel's socket buffers plus the server's 1 MiB cap.
    const query = `pad=${"x".repeat(8 * 1024)}`;
    const sent: string[] = [];
    for (let batch = 0; batch < 40; batch++) {
      sent.push(...(await Promise.all(Array.from({ length: 50 }, () => captureOk(server.baseUrl, bin.id, { query })))));
    }
    slow.resume();
    await slow.ended;
    const received = requestIds(slow.events());
    expect(received.length).toBeLessThan(sent.length);
    expect(received).toEqual(sent.slice(0, received.length));

    // The last event id it got is the place of the last capture it got.
    const lastEventId = eventIds(slow.events()).at(-1);
    expect(lastEventId).toBe(String(received.length));
    const resumed = await openStream(server.baseUrl, bin.id, { lastEventId });
    const rest = await resumed.waitForEvents("request", sent.length - received.length, 20_000);
    expect([...received, ...requestIds(rest)]).toEqual(sent);
    resumed.close();
    await eventually(async () => expect((await fetch(`${server.baseUrl}/api/health`)).status).toBe(200));
  });
});
