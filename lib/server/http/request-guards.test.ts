import { describe, expect, it } from "vitest";
import { isHotReloadTarget, nextBodyLimit, originFormTarget } from "./request-guards.ts";

describe("originFormTarget", () => {
  it.each([
    ["/api/health", "/api/health"],
    ["/bins/x?y=1", "/bins/x?y=1"],
    ["http://evil.example/", "/"],
    ["http://evil.example", "/"],
    ["HTTPS://evil.example:8443/api/bins?x=1", "/api/bins?x=1"],
    ["http://evil.example?x=1", "/?x=1"],
    ["//evil.example/path", "/evil.example/path"],
    ["///evil.example", "/evil.example"],
    ["http://evil.example//evil.example/x", "/evil.example/x"],
    ["/api/bins?q=%E0", "/api/bins?q=%E0"],
  ])("reads %j as %j", (raw, target) => {
    expect(originFormTarget(raw)).toEqual({ target });
  });

  it.each(["/api/bins/%E0%A4%A/requests", "/bins/%zz", "/%"])("finds nothing at the malformed escape in %j", (raw) => {
    const result = originFormTarget(raw);
    expect("problem" in result && result.problem.code).toBe("not_found");
  });

  it.each(["evil.example", "evil.example:443", "mailto:x"])("refuses %j, which is no path", (raw) => {
    const result = originFormTarget(raw);
    expect("problem" in result && result.problem.code).toBe("bad_request");
  });
});

describe("nextBodyLimit", () => {
  const limits = { apiMaxBodyBytes: 1000, maxBodyBytes: 300 };

  it("is API_MAX_BODY_BYTES, plus room for a base64 body of MAX_BODY_BYTES on a forward", () => {
    expect(nextBodyLimit("/api/bins/a/requests/b", limits)).toBe(1000);
    expect(nextBodyLimit("/api/bins/a", limits)).toBe(1000);
    expect(nextBodyLimit("/api/bins/a/requests/b/forward", limits)).toBe(1400);
    expect(nextBodyLimit("/api/bins/a/requests/b/forward?x=1", limits)).toBe(1400);
    expect(nextBodyLimit("/api/bins/a/requests/b/forwards", limits)).toBe(1000);
  });
});

describe("isHotReloadTarget", () => {
  it("matches Next's hot reload path only", () => {
    expect(isHotReloadTarget("/_next/hmr")).toBe(true);
    expect(isHotReloadTarget("/_next/hmr?id=1")).toBe(true);
    expect(isHotReloadTarget("/_next/hmrx")).toBe(false);
    expect(isHotReloadTarget("/b/_next/hmr")).toBe(false);
  });
});
