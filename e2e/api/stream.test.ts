import { connect, type Socket } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RequestSummary } from "../../lib/types.ts";
import { api, captureOk, createBin, listRequests, tokenOf } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { eventIds, openStream, requestIds, type SseClient } from "../support/sse.ts";

const heartbeatMs = 200;
let server: TestServer;
let baseUrl: string;
const openClients: SseClient[] = [];

async function stream(binId: string, options: Parameters<typeof openStream>[2] = {}): Promise<SseClient> {
  const client = await openStream(baseUrl, binId, options);
  openClients.push(client);
  return client;
}

/** Waits until nothing more arrives for a moment, so "exactly these events" means exactly. */
async function settle(ms = 150): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

beforeAll(async () => {
  server = await startTestServer({ env: { SSE_HEARTBEAT_MS: String(heartbeatMs) } });
  baseUrl = server.baseUrl;
});

afterEach(() => {
  for (const client of openClients.splice(0)) client.close();
});

afterAll(async () => {
  await server?.dispose();
});

describe("live stream", () => {
  it("delivers each capture live as an event whose data is the stored summary and whose id is its place in the bin", async () => {
    const bin = await createBin(baseUrl);
    const client = await stream(bin.id);
    expect(client.status).toBe(200);
    expect(client.headers["content-type"]).toMatch(/^text\/event-stream/);
    expect(client.headers["cache-control"]).toContain("no-transform");

    const id = await captureOk(baseUrl, bin.id, { method: "PATCH", path: "/live", query: "n=1", body: "{}", headers: { "Content-Type": "application/json" } });
    const [event] = await client.waitForEvents("request", 1);
    // The bin's first capture: place 1, whatever other bins hold.
    expect(event!.id).toBe("1");
    const { requests } = await listRequests(baseUrl, bin.id);
    expect(JSON.parse(event!.data)).toEqual(requests[0]);
    expect(JSON.parse(event!.data) as RequestSummary).toMatchObject({ id, seq: 1, method: "PATCH", path: "/live", query: "n=1", size: 2 });
  });

  it("starts live-only without Last-Event-ID: earlier captures are not replayed", async () => {
    const bin = await createBin(baseUrl);
    await captureOk(baseUrl, bin.id, { body: "old" });
    const client = await stream(bin.id);
    const fresh = await captureOk(baseUrl, bin.id, { body: "new" });
    await client.waitForEvents("request", 1);
    await settle();
    expect(requestIds(client.events())).toEqual([fresh]);
    expect(eventIds(client.events())).toEqual(["2"]);
  });

  it("resumes with Last-Event-ID: exactly the missed captures in order, then live ones, no duplicates", async () => {
    const bin = await createBin(baseUrl);
    const first = await stream(bin.id);
    const seen = [await captureOk(baseUrl, bin.id, { body: "1" }), await captureOk(baseUrl, bin.id, { body: "2" })];
    await first.waitForEvents("request", 2);
    expect(requestIds(first.events())).toEqual(seen);
    expect(eventIds(first.events())).toEqual(["1", "2"]);
    first.close();
    await first.ended;

    const missed: string[] = [];
    for (let i = 3; i <= 7; i++) missed.push(await captureOk(baseUrl, bin.id, { body: String(i) }));

    // Reconnect while more captures race the replay.
    const [resumed, ...racing] = await Promise.all([
      stream(bin.id, { lastEventId: eventIds(first.events()).at(-1) }),
      captureOk(baseUrl, bin.id, { body: "race-a" }),
      captureOk(baseUrl, bin.id, { body: "race-b" }),
    ]);
    const live = await captureOk(baseUrl, bin.id, { body: "live" });

    const expected = [...missed, ...racing.sort(), live];
    await resumed.waitForEvents("request", expected.length);
    await settle();
    const ids = requestIds(resumed.events());
    expect(ids).toEqual(expected);
    expect(new Set(ids).size).toBe(ids.length);
    // Every event carries its capture's place (eventIds checks it against the data), so a
    // client can resume again from the last one it saw; places follow storing order.
    expect(eventIds(resumed.events())).toEqual(["3", "4", "5", "6", "7", "8", "9", "10"]);
  });

  it("?after=0 replays the whole bin oldest first; ?after=<seq> only what follows it", async () => {
    const bin = await createBin(baseUrl);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await captureOk(baseUrl, bin.id, { body: String(i) }));

    const all = await stream(bin.id, { after: "0" });
    await all.waitForEvents("request", 4);
    const fromSecond = await stream(bin.id, { after: "2" });
    await fromSecond.waitForEvents("request", 2);
    const next = await captureOk(baseUrl, bin.id, { body: "next" });
    await all.waitForEvents("request", 5);
    await fromSecond.waitForEvents("request", 3);
    await settle();

    expect(requestIds(all.events())).toEqual([...ids, next]);
    expect(requestIds(fromSecond.events())).toEqual([ids[2], ids[3], next]);
    expect(eventIds(fromSecond.events())).toEqual(["3", "4", "5"]);
  });

  it("resumes after a capture id too, as clients saved before event ids were places: exactly the missed captures, then live ones", async () => {
    const bin = await createBin(baseUrl);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await captureOk(baseUrl, bin.id, { body: String(i) }));

    const byHeader = await stream(bin.id, { lastEventId: ids[1] });
    const byQuery = await stream(bin.id, { after: ids[2] });
    await byHeader.waitForEvents("request", 2);
    await byQuery.waitForEvents("request", 1);
    const live = await captureOk(baseUrl, bin.id, { body: "live" });
    await byHeader.waitForEvents("request", 3);
    await byQuery.waitForEvents("request", 2);
    await settle();

    expect(requestIds(byHeader.events())).toEqual([ids[2], ids[3], live]);
    expect(requestIds(byQuery.events())).toEqual([ids[3], live]);
    // From there on the client holds places, like any other.
    expect(eventIds(byHeader.events())).toEqual(["3", "4", "5"]);
  });

  it("resumes after a deleted capture, named by its seq or by its id, with what followed it", async () => {
    const bin = await createBin(baseUrl);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await captureOk(baseUrl, bin.id, { body: String(i) }));
    // The client's last event was the second capture; it was deleted while the client was away.
    expect((await api(baseUrl, `/api/bins/${bin.id}/requests/${ids[1]}`, { method: "DELETE" })).status).toBe(204);

    const bySeq = await stream(bin.id, { after: "2" });
    const byId = await stream(bin.id, { lastEventId: ids[1] });
    await bySeq.waitForEvents("request", 2);
    await byId.waitForEvents("request", 2);
    await settle();
    expect(requestIds(bySeq.events())).toEqual([ids[2], ids[3]]);
    expect(requestIds(byId.events())).toEqual([ids[2], ids[3]]);
    expect(eventIds(bySeq.events())).toEqual(["3", "4"]);
  });

  it("goes on numbering after a clear, so a client resuming from before the clear misses nothing after it", async () => {
    const bin = await createBin(baseUrl);
    const other = await createBin(baseUrl);
    const before = await stream(bin.id);
    for (let i = 0; i < 3; i++) await captureOk(baseUrl, bin.id, { body: `before ${i}` });
    await before.waitForEvents("request", 3);
    const held = eventIds(before.events()).at(-1)!;
    expect(held).toBe("3");
    before.close();
    await before.ended;

    const watching = await stream(bin.id);
    expect((await api(baseUrl, `/api/bins/${bin.id}/requests`, { method: "DELETE" })).status).toBe(204);
    await watching.waitForEvents("requests-cleared", 1);
    const afterClear = [await captureOk(baseUrl, bin.id, { body: "after 0" }), await captureOk(baseUrl, bin.id, { body: "after 1" })];
    await watching.waitForEvents("request", 2);
    // Places are never reused: the cleared bin's next capture is 4, not 1.
    expect(eventIds(watching.events())).toEqual(["4", "5"]);
    expect((await listRequests(baseUrl, bin.id)).requests.map((request) => [request.id, request.seq])).toEqual([
      [afterClear[1], 5],
      [afterClear[0], 4],
    ]);

    const resumed = await stream(bin.id, { lastEventId: held });
    await resumed.waitForEvents("request", 2);
    await settle();
    expect(requestIds(resumed.events())).toEqual(afterClear);

    // Another bin's places are its own.
    await captureOk(baseUrl, other.id);
    expect((await listRequests(baseUrl, other.id)).requests.map((request) => request.seq)).toEqual([1]);
  });

  it("Last-Event-ID wins over ?after", async () => {
    const bin = await createBin(baseUrl);
    const ids = [await captureOk(baseUrl, bin.id), await captureOk(baseUrl, bin.id), await captureOk(baseUrl, bin.id)];
    const client = await stream(bin.id, { after: "0", lastEventId: "2" });
    await client.waitForEvents("request", 1);
    await settle();
    expect(requestIds(client.events())).toEqual([ids[2]]);
  });

  it("replays a backlog larger than one page to a slow client while captures keep arriving: each once, in order", async () => {
    const bin = await createBin(baseUrl);
    const ids: string[] = [];
    // The server replays in pages of 500. Long query strings make each summary ~8 KB, so
    // one page (~4 MB) is more than the 1 MB a stream may buffer and more than loopback
    // socket buffers hold: the replay must pace itself by the client.
    const longQuery = `sig=${"s".repeat(8_000)}`;
    for (let batch = 0; batch < 10; batch++) {
      ids.push(...(await Promise.all(Array.from({ length: 51 }, (_, i) => captureOk(baseUrl, bin.id, { query: longQuery, body: `${batch}-${i}` })))));
    }
    // A client that stops reading stalls the replay inside its first page. Captures
    // committed meanwhile reach the stream live (held back until the backlog is out)
    // and through the next replay page: the client must still see each exactly once.
    const client = await stream(bin.id, { after: "0", paused: true });
    for (let i = 0; i < 5; i++) ids.push(await captureOk(baseUrl, bin.id, { body: `during-${i}` }));
    client.resume();
    ids.sort();
    await client.waitForEvents("request", ids.length, 10_000);
    await settle();
    expect(requestIds(client.events())).toEqual(ids);
    expect(eventIds(client.events())).toEqual(ids.map((_, index) => String(index + 1)));
  });

  it("sends request-deleted, requests-cleared and bin-deleted, then ends the stream", async () => {
    const bin = await createBin(baseUrl);
    const [a, b] = [await captureOk(baseUrl, bin.id), await captureOk(baseUrl, bin.id)];
    const client = await stream(bin.id);

    expect((await api(baseUrl, `/api/bins/${bin.id}/requests/${a}`, { method: "DELETE" })).status).toBe(204);
    const [deleted] = await client.waitForEvents("request-deleted", 1);
    expect(JSON.parse(deleted!.data)).toEqual({ id: a });

    expect((await api(baseUrl, `/api/bins/${bin.id}/requests`, { method: "DELETE" })).status).toBe(204);
    const [cleared] = await client.waitForEvents("requests-cleared", 1);
    // Cleared through the bin's newest place, the second capture's.
    expect(JSON.parse(cleared!.data)).toEqual({ through: 2 });

    expect((await api(baseUrl, `/api/bins/${bin.id}`, { method: "DELETE" })).status).toBe(204);
    await client.waitForEvents("bin-deleted", 1);
    await client.ended;
    expect(client.events().map((e) => e.event)).toEqual(["ready", "request-deleted", "requests-cleared", "bin-deleted"]);
    expect(b).toBeDefined();
  });

  it("sends a heartbeat comment every SSE_HEARTBEAT_MS", async () => {
    const bin = await createBin(baseUrl);
    const client = await stream(bin.id);
    const started = Date.now();
    await client.waitFor((m) => m.kind === "comment" && m.text === "ping", heartbeatMs * 10);
    await client.waitFor(() => client.messages.filter((m) => m.kind === "comment").length >= 2, heartbeatMs * 10);
    expect(Date.now() - started).toBeLessThan(heartbeatMs * 10);
  });

  it("fans every event out to several clients on one bin and to no other bin", async () => {
    const bin = await createBin(baseUrl);
    const other = await createBin(baseUrl);
    const clients = await Promise.all([stream(bin.id), stream(bin.id), stream(bin.id)]);
    const bystander = await stream(other.id);

    const ids = [
      await captureOk(baseUrl, bin.id, { body: "1" }),
      await captureOk(baseUrl, bin.id, { body: "2" }),
      await captureOk(baseUrl, bin.id, { body: "3" }),
    ];
    expect((await api(baseUrl, `/api/bins/${bin.id}/requests/${ids[0]}`, { method: "DELETE" })).status).toBe(204);

    for (const client of clients) {
      await client.waitForEvents("request-deleted", 1);
      expect(requestIds(client.events())).toEqual(ids);
    }
    await settle();
    expect(bystander.events().map((e) => e.event)).toEqual(["ready"]);
  });

  it("closing one client does not disturb the others", async () => {
    const bin = await createBin(baseUrl);
    const [leaving, staying] = await Promise.all([stream(bin.id), stream(bin.id)]);
    leaving.close();
    await leaving.ended;
    const id = await captureOk(baseUrl, bin.id);
    await staying.waitForEvents("request", 1);
    expect(requestIds(staying.events())).toEqual([id]);
  });
});

/** A stream opened over a bare TCP socket, to act as clients that misbehave at the TCP level. */
async function rawStream(binId: string): Promise<{ socket: Socket; received: () => string; ended: Promise<void> }> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  let received = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => (received += chunk));
  const ended = new Promise<void>((resolve) => socket.once("end", resolve));
  socket.write(
    `GET /api/bins/${binId}/stream HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\nAuthorization: Bearer ${tokenOf(binId)}\r\n\r\n`,
  );
  const deadline = Date.now() + 5_000;
  while (!received.includes("event: ready")) {
    if (Date.now() > deadline) throw new Error(`no ready event; got ${JSON.stringify(received)}`);
    await settle(20);
  }
  return { socket, received: () => received, ended };
}

describe("live stream over a bare connection", () => {
  it("ignores bytes a client sends after its request, and ends its side when the client ends", async () => {
    const bin = await createBin(baseUrl);
    const client = await rawStream(bin.id);
    // A pipelined request on a stream's connection is not answered: the stream owns it.
    client.socket.write(`GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n`);
    const id = await captureOk(baseUrl, bin.id);
    // The bin's first capture: event id 1, its capture id in the data.
    const event = `event: request\nid: 1\ndata: {"id":"${id}",`;
    const deadline = Date.now() + 5_000;
    while (!client.received().includes(event) && Date.now() < deadline) await settle(20);
    expect(client.received()).toContain(event);
    expect(client.received().match(/HTTP\/1\.1 /g)).toHaveLength(1);

    client.socket.end();
    await client.ended;
  });

  it("survives a client that resets its connection, and keeps serving the others", async () => {
    const bin = await createBin(baseUrl);
    const resetting = await rawStream(bin.id);
    const staying = await stream(bin.id);
    resetting.socket.resetAndDestroy();
    const id = await captureOk(baseUrl, bin.id);
    await staying.waitForEvents("request", 1);
    expect(requestIds(staying.events())).toEqual([id]);
  });
});

describe("stream errors", () => {
  it("404s an unknown bin", async () => {
    const client = await stream("AAAAAAAAAAAAAAAAAAAAAA");
    expect(client.status).toBe(404);
  });

  it("400s a Last-Event-ID or ?after that is neither a place (seq) nor a capture id", async () => {
    const bin = await createBin(baseUrl);
    expect((await stream(bin.id, { lastEventId: "not-an-id" })).status).toBe(400);
    expect((await stream(bin.id, { after: "banana" })).status).toBe(400);
    for (const bad of ["-1", "1.5", "01", "1e3", "1234567890123456", "01arz3ndektsv4rrffq69g5fav"]) {
      expect((await stream(bin.id, { lastEventId: bad })).status, `Last-Event-ID: ${bad}`).toBe(400);
      expect((await stream(bin.id, { after: bad })).status, `?after=${bad}`).toBe(400);
    }
  });

  it.each(["not-a-bin", "%E0%A4", "%zz", "%"])("answers a malformed bin id (%s) with 404 instead of hanging", async (binId) => {
    const response = await api(baseUrl, `/api/bins/${binId}/stream`, { signal: AbortSignal.timeout(5_000) });
    expect(response.status).toBe(404);
    expect(response.json).toMatchObject({ error: "not_found" });
  });

  it("logged no uncaught errors", () => {
    expect(server.output()).not.toMatch(/uncaughtException|unhandledRejection|URIError/);
  });
});
