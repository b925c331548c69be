import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { api, binaryBody, captureOk, createBin, eventually, request } from "../support/factories.ts";
import { freePort, repoRoot, startTestServer, type TestServer } from "../support/server.ts";
import { startTargetServer, type Received, type TargetServer } from "../support/target.ts";

// The relay CLI as users run it: `node bin/hookyard.mjs forward …` in a child process,
// against the real server, delivering to a real node:http target.
const cli = path.join(repoRoot, "bin", "hookyard.mjs");

let server: TestServer;
let target: TargetServer;
let scratch: string;
const running: Relay[] = [];

beforeAll(async () => {
  server = await startTestServer();
  target = await startTargetServer((request) => ({ status: request.url.includes("teapot") ? 418 : 200 }));
  scratch = mkdtempSync(path.join(tmpdir(), "hookyard-relay-it-"));
});

afterEach(() => {
  for (const relay of running.splice(0)) relay.child.kill("SIGKILL");
});

afterAll(async () => {
  await target?.close();
  await server?.dispose();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

type Relay = {
  child: ChildProcess;
  /** Delivery lines printed on stdout so far. */
  lines(): string[];
  stderr(): string;
  exited: Promise<number | null>;
};

function startRelay(args: string[], env: Record<string, string> = {}): Relay {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { PATH: process.env.PATH, NODE_ENV: "production", HOME: scratch, XDG_CACHE_HOME: path.join(scratch, "cache"), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const relay = { child, lines: () => stdout.split("\n").filter(Boolean), stderr: () => stderr, exited };
  running.push(relay);
  return relay;
}

/** Runs the CLI to its end; for the ways it refuses to start. */
async function runToExit(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const relay = startRelay(args);
  const code = await relay.exited;
  return { code, stdout: relay.lines().join("\n"), stderr: relay.stderr() };
}

/** The relay has looked at the bin and saved where it starts: captures from now on are its to deliver. */
async function started(relay: Relay): Promise<void> {
  await eventually(() => expect(relay.stderr()).toContain("Relaying"), 15_000);
}

function receivedFor(binId: string): Received[] {
  return target.received.filter((request) => request.headers.some(([name, value]) => name === "X-Bin" && value === binId));
}

function header(request: Received, name: string): string[] {
  return request.headers.filter(([key]) => key.toLowerCase() === name.toLowerCase()).map(([, value]) => value);
}

/** What the relay remembers in its state file: the last delivered capture's place (or, saved by an older relay, its id). */
function savedCursor(stateFile: string): unknown {
  return (JSON.parse(readFileSync(stateFile, "utf8")) as { lastId?: unknown }).lastId;
}

const escape = (text: string) => text.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");

/** A delivery line: time, method, captured path and query, the target's status or the error, milliseconds. */
const line = (method: string, shownPath: string, outcome: string) =>
  new RegExp(`^\\d\\d:\\d\\d:\\d\\d  ${method} ${escape(shownPath)}  ${escape(outcome)}  \\d+ ms$`);

describe("hookyard forward", () => {
  it("relays new captures byte-exact, in order, and after a SIGKILL delivers the missed ones exactly once", async () => {
    const bin = await createBin(server.baseUrl);
    const xBin = { "X-Bin": bin.id };
    const before = await captureOk(server.baseUrl, bin.id, { body: "before the relay started", headers: xBin });
    const stateFile = path.join(scratch, "kill.json");
    const args = ["forward", bin.url, "--to", `${target.baseUrl}/webhooks`, "--token", bin.token, "--state", stateFile];

    const first = startRelay(args);
    await started(first);
    const body = binaryBody();
    // Through request(), not capture(): raw header pairs keep duplicates and Connection as given.
    const sent = await request(server.baseUrl, {
      method: "POST",
      path: `/b/${bin.id}/hooks/stripe?a=1&b=%20x`,
      // A flat header list makes node:http add no Host of its own.
      headers: [
        ["Host", new URL(server.baseUrl).host],
        ["Content-Type", "application/octet-stream"],
        ["Content-Length", String(body.length)],
        ["X-Dup", "one"],
        ["Connection", "keep-alive, X-Hop"],
        ["X-Hop", "named by Connection"],
        ["Keep-Alive", "timeout=5"],
        ["Proxy-Authorization", "Basic eDp5"],
        ["X-Dup", "two"],
        ["X-Bin", bin.id],
      ].flat(),
      body,
    });
    expect(sent.status).toBe(200);
    const binaryId = String(sent.headers["x-request-id"]);
    await captureOk(server.baseUrl, bin.id, { method: "PUT", body: '{"b":2}', headers: { ...xBin, "Content-Type": "application/json" } });
    await captureOk(server.baseUrl, bin.id, { method: "DELETE", path: "/teapot", headers: xBin });

    await eventually(() => expect(first.lines()).toHaveLength(3), 15_000);
    const got = receivedFor(bin.id);
    expect(got.map((request) => `${request.method} ${request.url}`)).toEqual([
      "POST /webhooks/hooks/stripe?a=1&b=%20x",
      "PUT /webhooks",
      "DELETE /webhooks/teapot",
    ]);
    const [binary, json, bodiless] = got as [Received, Received, Received];
    expect(binary.body.equals(body)).toBe(true);
    // Host first (the target's), end-to-end headers in order with duplicates, exact length; no hop-by-hop.
    expect(binary.headers[0]).toEqual(["Host", new URL(target.baseUrl).host]);
    expect(header(binary, "X-Dup")).toEqual(["one", "two"]);
    expect(header(binary, "Content-Length")).toEqual([String(body.length)]);
    expect(header(binary, "Content-Type")).toEqual(["application/octet-stream"]);
    for (const hop of ["X-Hop", "Keep-Alive", "Proxy-Authorization", "Transfer-Encoding"]) expect(header(binary, hop)).toEqual([]);
    expect(header(binary, "Connection")).not.toContain("keep-alive, X-Hop");
    expect(json.body.toString()).toBe('{"b":2}');
    expect(bodiless.body.length).toBe(0);
    expect(first.lines()[0]).toMatch(line("POST", "/hooks/stripe?a=1&b=%20x", "200 OK"));
    expect(first.lines()[1]).toMatch(line("PUT", "/", "200 OK"));
    expect(first.lines()[2]).toMatch(line("DELETE", "/teapot", "418 I'm a Teapot"));
    expect(got.some((request) => request.body.toString() === "before the relay started")).toBe(false);
    expect(before < binaryId).toBe(true);
    // It remembers places: the three it delivered are the bin's 2nd to 4th captures.
    expect(savedCursor(stateFile)).toBe("4");

    // Killed outright: no chance to say goodbye. Captures arrive while it is down.
    first.child.kill("SIGKILL");
    await first.exited;
    await captureOk(server.baseUrl, bin.id, { path: "/missed/1", body: "missed 1", headers: xBin });
    await captureOk(server.baseUrl, bin.id, { path: "/missed/2", body: "missed 2", headers: xBin });

    const second = startRelay(args);
    await eventually(() => expect(second.lines()).toHaveLength(2), 15_000);
    await captureOk(server.baseUrl, bin.id, { path: "/live", body: "live again", headers: xBin });
    await eventually(() => expect(second.lines()).toHaveLength(3), 15_000);
    expect(second.lines()[0]).toMatch(line("POST", "/missed/1", "200 OK"));
    expect(
      receivedFor(bin.id)
        .map((request) => request.body.toString())
        .slice(3),
    ).toEqual(["missed 1", "missed 2", "live again"]);

    // Ctrl-C stops it cleanly, with exit code 0; a restart then has nothing to deliver twice.
    second.child.kill("SIGINT");
    expect(await second.exited).toBe(0);
    const third = startRelay(args);
    await started(third);
    await captureOk(server.baseUrl, bin.id, { path: "/after/restart", body: "once more", headers: xBin });
    await eventually(() => expect(third.lines()).toHaveLength(1), 15_000);
    expect(third.lines()[0]).toMatch(line("POST", "/after/restart", "200 OK"));
    expect(receivedFor(bin.id)).toHaveLength(7);
    // Seven delivered, after the capture made before it started: the bin's 8th was the last.
    expect(savedCursor(stateFile)).toBe("8");
  }, 90_000);

  it("resumes from a state file an older relay saved, holding a capture id: exactly the captures after it, then places", async () => {
    const bin = await createBin(server.baseUrl);
    const xBin = { "X-Bin": bin.id };
    const ids: string[] = [];
    for (const name of ["one", "two", "three"]) ids.push(await captureOk(server.baseUrl, bin.id, { path: `/${name}`, body: name, headers: xBin }));
    const stateFile = path.join(scratch, "old-format.json");
    const to = `${target.baseUrl}/old-state`;
    // As relays wrote it when event ids were capture ids: "two" was the last delivered.
    writeFileSync(
      stateFile,
      `${JSON.stringify({ server: server.baseUrl, binId: bin.id, target: to, lastId: ids[1], savedAt: new Date().toISOString() }, null, 2)}\n`,
    );

    const relay = startRelay(["forward", bin.url, "--to", to, "--token", bin.token, "--state", stateFile]);
    await eventually(() => expect(relay.lines()).toHaveLength(1), 15_000);
    expect(relay.stderr()).toContain(`after capture ${ids[1]}`);
    expect(relay.lines()[0]).toMatch(line("POST", "/three", "200 OK"));
    // From its first delivery on it saves places.
    await eventually(() => expect(savedCursor(stateFile)).toBe("3"));
    await captureOk(server.baseUrl, bin.id, { path: "/four", body: "four", headers: xBin });
    await eventually(() => expect(relay.lines()).toHaveLength(2), 15_000);
    expect(receivedFor(bin.id).map((request) => request.body.toString())).toEqual(["three", "four"]);
    await eventually(() => expect(savedCursor(stateFile)).toBe("4"));

    // Restarted on the state it now holds (a place): nothing is sent twice.
    relay.child.kill("SIGINT");
    expect(await relay.exited).toBe(0);
    const again = startRelay(["forward", bin.url, "--to", to, "--token", bin.token, "--state", stateFile]);
    await started(again);
    await captureOk(server.baseUrl, bin.id, { path: "/five", body: "five", headers: xBin });
    await eventually(() => expect(again.lines()).toHaveLength(1), 15_000);
    expect(again.lines()[0]).toMatch(line("POST", "/five", "200 OK"));
    expect(receivedFor(bin.id).map((request) => request.body.toString())).toEqual(["three", "four", "five"]);
  }, 60_000);

  it("reconnects with Last-Event-ID when the server restarts, delivering what it missed once", async () => {
    const bin = await createBin(server.baseUrl);
    const xBin = { "X-Bin": bin.id };
    const relay = startRelay([
      "forward",
      bin.url.replace("/b/", "/bins/"),
      "--to",
      `${target.baseUrl}/fixed?k=v`,
      "--token",
      bin.token,
      "--no-path",
      "--state",
      path.join(scratch, "restart.json"),
    ]);
    await started(relay);
    await captureOk(server.baseUrl, bin.id, { path: "/one", body: "1", headers: xBin });
    await eventually(() => expect(relay.lines()).toHaveLength(1), 15_000);

    await server.restart();
    // Sent before the relay is back (it waits at least 0.4 s before reconnecting), and after.
    await captureOk(server.baseUrl, bin.id, { path: "/two", body: "2", headers: xBin });
    await captureOk(server.baseUrl, bin.id, { path: "/three", body: "3", headers: xBin });
    await eventually(() => expect(relay.stderr()).toContain("Reconnected"), 30_000);
    await captureOk(server.baseUrl, bin.id, { path: "/four", body: "4", headers: xBin });
    await eventually(() => expect(relay.lines()).toHaveLength(4), 15_000);

    expect(relay.stderr()).toMatch(/Connection to http:\/\/127\.0\.0\.1:\d+ lost/);
    const got = receivedFor(bin.id);
    expect(got.map((request) => request.body.toString())).toEqual(["1", "2", "3", "4"]);
    // --no-path: the target exactly as given, whatever the captured sub-path.
    expect(new Set(got.map((request) => request.url))).toEqual(new Set(["/fixed?k=v"]));
    expect(relay.lines()[3]).toMatch(line("POST", "/four", "200 OK"));
  }, 90_000);

  it("with --from-start delivers the bin's past, says when the target is down, and exits 1 when the bin is deleted", async () => {
    const bin = await createBin(server.baseUrl);
    await captureOk(server.baseUrl, bin.id, { path: "/old", body: "old" });
    const nobody = `http://127.0.0.1:${await freePort()}`;
    // No --state: the default file goes under the cache directory, keyed by bin and target.
    const relay = startRelay(["forward", bin.url, "--to", nobody, "--token", bin.token, "--from-start"]);
    await eventually(() => expect(relay.lines()).toHaveLength(1), 15_000);
    expect(relay.lines()[0]).toMatch(line("POST", "/old", `error: connection refused by ${new URL(nobody).host} (nothing listening there)`));
    expect(readdirSync(path.join(scratch, "cache", "hookyard")).some((name) => name.startsWith(`relay-${bin.id}-`))).toBe(true);

    expect((await api(server.baseUrl, `/api/bins/${bin.id}`, { method: "DELETE" })).status).toBe(204);
    expect(await relay.exited).toBe(1);
    expect(relay.stderr()).toContain(`Bin ${bin.id} was deleted.`);
  }, 60_000);

  it("refuses a bad URL or a missing token with exit code 2, an unknown bin, a wrong token or an unreachable server with 1", async () => {
    const unknownToken = `hyk_${"A".repeat(43)}`;
    const bad = await runToExit(["forward", "not-a-url", "--to", target.baseUrl]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"not-a-url" is not a URL');
    expect(bad.stderr).toContain("hookyard --help");

    const noTarget = await runToExit(["forward", `${server.baseUrl}/b/AAAAAAAAAAAAAAAAAAAAAA`]);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toContain("No target given");

    const noToken = await runToExit(["forward", `${server.baseUrl}/b/AAAAAAAAAAAAAAAAAAAAAA`, "--to", target.baseUrl]);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain("No token given");

    // A real bin, but a token that is not its own: the same answer as for no bin at all.
    const someone = await createBin(server.baseUrl);
    const other = await createBin(server.baseUrl);
    const wrong = await runToExit(["forward", someone.url, "--to", target.baseUrl, "--token", other.token, "--state", path.join(scratch, "wrong.json")]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`No bin ${someone.id} on ${server.baseUrl}`);

    const unknown = await runToExit([
      "forward",
      `${server.baseUrl}/b/AAAAAAAAAAAAAAAAAAAAAA`,
      "--to",
      target.baseUrl,
      "--token",
      unknownToken,
      "--state",
      path.join(scratch, "unknown.json"),
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`No bin AAAAAAAAAAAAAAAAAAAAAA on ${server.baseUrl} (404)`);
    expect(existsSync(path.join(scratch, "unknown.json"))).toBe(false);

    const port = await freePort();
    const unreachable = await runToExit(["forward", `http://127.0.0.1:${port}/b/AAAAAAAAAAAAAAAAAAAAAA`, "--to", target.baseUrl, "--token", unknownToken]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(`Cannot reach http://127.0.0.1:${port}: connection refused by 127.0.0.1:${port} (nothing listening there).`);

    const help = await runToExit(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: hookyard forward <bin URL> --to <target URL>");
  }, 60_000);
});
