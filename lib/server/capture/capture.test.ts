import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { clientIp, headerPairs, parseCaptureTarget } from "./capture.ts";
import { parseTrustProxy, type TrustProxy } from "../http/trust-proxy.ts";

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
