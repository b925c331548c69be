import http, { type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { createBin, deleteBin, updateBin } from "../bins/bins.ts";
import { captureRequest, clientIp, headerPairs, parseCaptureTarget } from "./capture.ts";
import type { GroupCommitWriter } from "../storage/group-commit.ts";
import { MemoryBudget } from "./memory-budget.ts";
import { useTestDatabase } from "../storage/test-database.ts";
import { parseTrustProxy, type TrustProxy } from "../http/trust-proxy.ts";
import { StorageUnavailableError } from "../storage/storage-health.ts";

useTestDatabase();

describe("parseCaptureTarget", () => {
  it.each([
    ["/b/abc", { binId: "abc", path: "", query: "" }],
    ["/b/abc/", { binId: "abc", path: "/", query: "" }],
    ["/b/abc?", { binId: "abc", path: "", query: "" }],
    ["/b/abc?x=1", { binId: "abc", path: "", query: "x=1" }],
    ["/b/abc/?x=1", { binId: "abc", path: "/", query: "x=1" }],
    ["/b/abc/x/y?z=%2F&q", { binId: "abc", path: "/x/y", query: "z=%2F&q" }],
    ["/b/abc/a%20b/%2F/caf%C3%A9", { binId: "abc", path: "/a%20b/%2F/caf%C3%A9", query: "" }],
    ["/b/abc/a?b?c=/d", { binId: "abc", path: "/a", query: "b?c=/d" }],
    ["/b/abc//double//", { binId: "abc", path: "//double//", query: "" }],
    ["/b/abc/../x", { binId: "abc", path: "/../x", query: "" }],
    ["/b/", { binId: "", path: "", query: "" }],
    ["/b//x", { binId: "", path: "/x", query: "" }],
    ["/b/%41bc/x", { binId: "%41bc", path: "/x", query: "" }],
  ])("splits %s", (target, expected) => {
    expect(parseCaptureTarget(target)).toEqual(expected);
  });

  it.each([
    ["http://hooks.example.com/b/abc/p?q=1", { binId: "abc", path: "/p", query: "q=1" }],
    ["https://hooks.example.com:8443/b/abc", { binId: "abc", path: "", query: "" }],
    ["HTTP://Hooks.Example.COM/b/abc/", { binId: "abc", path: "/", query: "" }],
  ])("accepts the absolute form %s", (target, expected) => {
    expect(parseCaptureTarget(target)).toEqual(expected);
  });

  it.each(["/", "/b", "/bins/abc", "/bx/abc", "/B/abc", "/api/bins/abc", "/api/b/abc", "*", "http://host", "http://host/api/b/abc", "//b/abc"])(
    "leaves %s to the rest of the server",
    (target) => {
      expect(parseCaptureTarget(target)).toBeNull();
    },
  );
});

describe("headerPairs", () => {
  it("pairs rawHeaders in wire order, keeping case and duplicates", () => {
    expect(headerPairs(["Host", "x", "X-Dup", "1", "x-dup", "2", "Set-Cookie", "a=1", "X-Empty", ""])).toEqual([
      ["Host", "x"],
      ["X-Dup", "1"],
      ["x-dup", "2"],
      ["Set-Cookie", "a=1"],
      ["X-Empty", ""],
    ]);
  });

  it("returns no pairs for no headers and ignores a dangling name", () => {
    expect(headerPairs([])).toEqual([]);
    expect(headerPairs(["A", "1", "B"])).toEqual([["A", "1"]]);
  });
});

describe("clientIp", () => {
  const off = parseTrustProxy("false") as TrustProxy;
  const privateProxies = parseTrustProxy("true") as TrustProxy;
  const request = (remoteAddress: string | undefined, rawHeaders: string[] = []) => ({ rawHeaders, socket: { remoteAddress } }) as unknown as IncomingMessage;

  it("uses the socket peer, without the IPv4-mapped IPv6 prefix", () => {
    expect(clientIp(request("127.0.0.1"), off)).toBe("127.0.0.1");
    expect(clientIp(request("::ffff:10.1.2.3"), off)).toBe("10.1.2.3");
    expect(clientIp(request("::1"), off)).toBe("::1");
    expect(clientIp(request("2001:db8::7"), privateProxies)).toBe("2001:db8::7");
    expect(clientIp(request(undefined), off)).toBe("");
  });

  it("ignores X-Forwarded-For unless the proxy is trusted", () => {
    expect(clientIp(request("10.0.0.1", ["X-Forwarded-For", "203.0.113.9"]), off)).toBe("10.0.0.1");
    // A public peer is no proxy of ours: what it claims is its own business.
    expect(clientIp(request("198.51.100.4", ["X-Forwarded-For", "203.0.113.9"]), privateProxies)).toBe("198.51.100.4");
  });

  it("takes the right-most hop that is not a trusted proxy, across header lines", () => {
    expect(clientIp(request("10.0.0.1", ["X-Forwarded-For", " 203.0.113.9 , 198.51.100.2"]), privateProxies)).toBe("198.51.100.2");
    expect(clientIp(request("10.0.0.1", ["x-forwarded-for", "198.51.100.7", "X-Forwarded-For", "203.0.113.1, 10.0.0.2"]), privateProxies)).toBe("203.0.113.1");
  });

  it("falls back to the socket when a trusted proxy sent no usable X-Forwarded-For", () => {
    expect(clientIp(request("::ffff:10.0.0.1"), privateProxies)).toBe("10.0.0.1");
    expect(clientIp(request("10.0.0.1", ["X-Forwarded-For", ""]), privateProxies)).toBe("10.0.0.1");
    expect(clientIp(request("10.0.0.1", ["X-Forwarded-For", "not-an-address"]), privateProxies)).toBe("10.0.0.1");
  });
});

describe("captureRequest", () => {
  it("answers a capture by alias whose bin is deleted before its commit with the alias, never the id behind it", async () => {
    const bin = await createBin("127.0.0.1");
    await updateBin(bin.id, { alias: "deleted-mid-commit" });
    // The writer meets a bin deleted a moment ago, as the real one does: its insert fails.
    const writer = {
      write: async () => {
        await deleteBin(bin.id);
        throw new Error("FOREIGN KEY constraint failed");
      },
    } as unknown as GroupCommitWriter;
    const deps = {
      config: { maxBodyBytes: 1024, maxBinBytes: 0, trustProxy: parseTrustProxy("false") as TrustProxy, port: 0, captureHost: null },
      writer,
      budget: new MemoryBudget(1024 * 1024),
      rateLimiter: null,
    };
    const server = http.createServer((req, res) => void captureRequest(req, res, parseCaptureTarget(req.url ?? "/")!, deps));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/b/deleted-mid-commit/hook`, { method: "POST", body: "x", signal: AbortSignal.timeout(5_000) });
      const text = await response.text();
      expect(response.status).toBe(404);
      expect(JSON.parse(text)).toEqual({ error: "not_found", message: "No bin with id deleted-mid-commit." });
      expect(text).not.toContain(bin.id);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it.each([
    { name: "the writer's StorageUnavailableError", refusal: () => new StorageUnavailableError(new Error("Connection terminated unexpectedly")) },
    {
      name: "a raw connection error",
      refusal: () => Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED", syscall: "connect" }),
    },
  ])("answers 503 with Retry-After, never 2xx or 500, when the database is unavailable ($name)", async ({ refusal }) => {
    const bin = await createBin("127.0.0.1");
    const writer = {
      write: async () => {
        throw refusal();
      },
    } as unknown as GroupCommitWriter;
    const deps = {
      config: { maxBodyBytes: 1024, maxBinBytes: 0, trustProxy: parseTrustProxy("false") as TrustProxy, port: 0, captureHost: null },
      writer,
      budget: new MemoryBudget(1024 * 1024),
      rateLimiter: null,
    };
    const server = http.createServer((req, res) => void captureRequest(req, res, parseCaptureTarget(req.url ?? "/")!, deps));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/b/${bin.id}/hook`, { method: "POST", body: "x", signal: AbortSignal.timeout(5_000) });
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("5");
      expect(await response.json()).toMatchObject({ error: "service_unavailable" });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
