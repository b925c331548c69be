import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ForwardAttemptDto, ForwardList } from "@/lib/types";
import { api, captureOk, createBin, eventually, patchBin } from "../support/factories";
import { startTestServer, type TestServer } from "../support/server";
import { startTargetServer, type TargetServer } from "../support/target";

// Which addresses forwarding may reach, over real sockets. Names resolve through the
// test server's preloaded resolver (e2e/support/network-guard.mjs), which also blocks
// and logs any connection outside loopback: every refusal below must come from
// Hookyard's policy, before a connection is tried, so the guard's log stays empty.
// The only address anything connects to is the target on 127.0.0.1.

const dns = {
  "internal.test": ["10.0.0.5"],
  "metadata.test": ["169.254.169.254"],
  "loopback.test": ["127.0.0.1"],
  "mapped.test": ["::ffff:127.0.0.1"],
  "six-to-four.test": ["2002:a00:5::1"],
  // The first answer passes the check; any later lookup would hand out 0.0.0.0 (this
  // machine, never a real outside address), which the guard blocks and logs.
  "rebind.test": [["127.0.0.1"], ["0.0.0.0"]],
};

let locked: TestServer;
let laptop: TestServer;
let target: TargetServer;
beforeAll(async () => {
  [locked, laptop, target] = await Promise.all([
    // What a public instance gets with no setting; set explicitly here because the test
    // server itself must listen on loopback only.
    startTestServer({ env: { FORWARD_ALLOW_ADDRESSES: "public", FORWARD_RETRY_BASE_MS: "50" }, dns }),
    // HOST=127.0.0.1 and no FORWARD_ALLOW_ADDRESSES: the developer's laptop defaults.
    startTestServer({ dns }),
    startTargetServer(),
  ]);
});
afterAll(async () => {
  await Promise.all([locked?.dispose(), laptop?.dispose(), target?.close()]);
});

const port = () => new URL(target.baseUrl).port;

function forward(server: TestServer, binId: string, requestId: string, url: string) {
  return api(server.baseUrl, `/api/bins/${binId}/requests/${requestId}/forward`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ url }),
  });
}

const lookups = (server: TestServer, name: string) =>
  server
    .output()
    .split("\n")
    .filter((line) => line.startsWith(`[network-guard] lookup ${name} `));
const blockedConnections = (server: TestServer) =>
  server
    .output()
    .split("\n")
    .filter((line) => line.includes("[network-guard] BLOCKED"));

describe("the start-up log", () => {
  it("says which addresses forwarding may reach", () => {
    expect(laptop.output()).toContain("Forwarding may connect to: loopback,private,public addresses (FORWARD_ALLOW_ADDRESSES)");
    expect(locked.output()).toContain("Forwarding may connect to: public addresses (FORWARD_ALLOW_ADDRESSES)");
  });
});

describe("an instance that allows public addresses only", () => {
  it("refuses names resolving to private, link-local, loopback and embedded-IPv4 addresses with 403, before connecting", async () => {
    const bin = await createBin(locked.baseUrl);
    const id = await captureOk(locked.baseUrl, bin.id, { body: "x" });
    const before = target.received.length;
    const cases: [string, RegExp][] = [
      ["internal.test", /internal\.test resolves to 10\.0\.0\.5; 10\.0\.0\.5 is a private address/],
      ["metadata.test", /169\.254\.169\.254 is a link-local address/],
      ["loopback.test", /127\.0\.0\.1 is a loopback address/],
      ["mapped.test", /carries the IPv4 address 127\.0\.0\.1; 127\.0\.0\.1 is a loopback address/],
      ["six-to-four.test", /carries the IPv4 address 10\.0\.0\.5; 10\.0\.0\.5 is a private address/],
    ];
    for (const [name, reason] of cases) {
      const response = await forward(locked, bin.id, id, `http://${name}:${port()}/hook`);
      expect(response.status, name).toBe(403);
      expect(response.json, name).toMatchObject({ error: "forbidden", message: expect.stringMatching(reason) });
      expect(lookups(locked, name), name).toHaveLength(1);
    }
    expect(target.received.length).toBe(before);
    expect(blockedConnections(locked)).toEqual([]);
    expect(((await api(locked.baseUrl, `/api/bins/${bin.id}/requests/${id}/forwards`)).json as ForwardList).attempts).toEqual([]);
  });

  it("refuses this machine in every spelling of its address, and localhost names, with 403", async () => {
    const bin = await createBin(locked.baseUrl);
    const id = await captureOk(locked.baseUrl, bin.id, { body: "x" });
    const before = target.received.length;
    const spellings = [
      "127.1",
      "2130706433",
      "0x7f000001",
      "0177.0.0.1",
      "127.0.0.1.",
      "[::ffff:127.0.0.1]",
      "[::127.0.0.1]",
      "[64:ff9b::7f00:1]",
      "[2002:7f00:1::]",
      "0.0.0.0",
      "[::]",
      "localhost.",
      "app.localhost",
    ];
    for (const host of spellings) {
      const response = await forward(locked, bin.id, id, `http://${host}:${port()}/`);
      expect(response.status, host).toBe(403);
      expect((response.json as { message: string }).message, host).toMatch(/is not allowed: .*(loopback|reserved) address/);
    }
    expect(target.received.length).toBe(before);
    expect(blockedConnections(locked)).toEqual([]);
  });

  it("records a refused auto-forward as a failed attempt, once, never retried and never connected", async () => {
    const bin = await createBin(locked.baseUrl);
    const patched = await patchBin(locked.baseUrl, bin.id, { forward: { url: `http://internal.test:${port()}/hook`, enabled: true, maxAttempts: 5 } });
    expect(patched.status, patched.text).toBe(200);
    const id = await captureOk(locked.baseUrl, bin.id, { body: "auto" });
    const list = await eventually(async () => {
      const current = (await api(locked.baseUrl, `/api/bins/${bin.id}/requests/${id}/forwards`)).json as ForwardList;
      expect(current.job?.state).toBe("failed");
      return current;
    }, 10_000);
    expect(list.job).toMatchObject({ attempts: 1, lastError: expect.stringMatching(/10\.0\.0\.5 is a private address/) });
    expect(list.attempts.map((attempt: ForwardAttemptDto) => [attempt.status, attempt.automatic])).toEqual([[null, true]]);
    // Twenty base retry waits later, still one attempt.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(((await api(locked.baseUrl, `/api/bins/${bin.id}/requests/${id}/forwards`)).json as ForwardList).attempts).toHaveLength(1);
    expect(blockedConnections(locked)).toEqual([]);
  });
});

describe("an instance on loopback with no setting", () => {
  it("forwards to localhost and 127.0.0.1 as a developer expects", async () => {
    const bin = await createBin(laptop.baseUrl);
    const id = await captureOk(laptop.baseUrl, bin.id, { body: "to my app" });
    for (const host of ["127.0.0.1", "localhost"]) {
      const response = await forward(laptop, bin.id, id, `http://${host}:${port()}/dev`);
      expect(response.status, response.text).toBe(200);
      expect((response.json as ForwardAttemptDto).status, host).toBe(200);
    }
  });

  it("still never reaches link-local (cloud metadata) addresses", async () => {
    const bin = await createBin(laptop.baseUrl);
    const id = await captureOk(laptop.baseUrl, bin.id, { body: "x" });
    const response = await forward(laptop, bin.id, id, `http://metadata.test/latest/meta-data/`);
    expect(response.status).toBe(403);
    expect(blockedConnections(laptop)).toEqual([]);
  });

  it("connects to the address it checked, without a second lookup that could rebind the name", async () => {
    const bin = await createBin(laptop.baseUrl);
    const id = await captureOk(laptop.baseUrl, bin.id, { body: "rebind" });
    const before = target.received.length;
    const response = await forward(laptop, bin.id, id, `http://rebind.test:${port()}/rebind`);
    expect(response.status, response.text).toBe(200);
    expect((response.json as ForwardAttemptDto).status).toBe(200);
    const arrived = target.received.slice(before);
    expect(arrived).toHaveLength(1);
    expect(arrived[0]!.headers[0]).toEqual(["Host", `rebind.test:${port()}`]);
    expect(lookups(laptop, "rebind.test")).toEqual(["[network-guard] lookup rebind.test -> 127.0.0.1"]);
    expect(blockedConnections(laptop)).toEqual([]);
  });
});
