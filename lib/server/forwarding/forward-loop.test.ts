import { describe, expect, it } from "vitest";
import { forwardLoopReason, maxHookyardHops, viaHeader, viaPseudonym } from "./forward-loop.ts";

describe("forwardLoopReason", () => {
  it("lets a request that never went through a Hookyard be forwarded", () => {
    expect(forwardLoopReason([["Content-Type", "application/json"]])).toBeNull();
    expect(forwardLoopReason([["Via", "1.1 varnish, 2.0 cloudfront (CloudFront)"]])).toBeNull();
  });

  it("stops a request that came from this Hookyard's own forwarder, wherever its entry sits in Via", () => {
    const [name, value] = viaHeader();
    expect(name).toBe("Via");
    expect(value).toMatch(/^1\.1 hookyard-[A-Za-z0-9_-]{12}$/);
    expect(forwardLoopReason([[name, value]])).toMatch(/own forwarder/);
    // A proxy in between merged its entry into the same line, in lower case.
    expect(forwardLoopReason([["via", `1.1 edge-proxy, ${value} (comment), HTTP/2 cdn`]])).toMatch(/own forwarder/);
    expect(
      forwardLoopReason([
        ["Via", "1.0 front"],
        ["VIA", `1.1 ${viaPseudonym()}`],
      ]),
    ).toMatch(/own forwarder/);
  });

  it("lets a request from another Hookyard through, until too many are in the chain", () => {
    const others = (count: number) => Array.from({ length: count }, (_, i) => `1.1 hookyard-other${i}`).join(", ");
    expect(forwardLoopReason([["Via", others(1)]])).toBeNull();
    expect(forwardLoopReason([["Via", others(maxHookyardHops - 1)]])).toBeNull();
    expect(forwardLoopReason([["Via", others(maxHookyardHops)]])).toMatch(/passed through 5 Hookyard forwarders/);
  });

  it("is one id per process, shared by every bundle that loads this module", () => {
    expect(viaPseudonym()).toBe(viaPseudonym());
    expect((globalThis as Record<symbol, unknown>)[Symbol.for("hookyard.viaPseudonym")]).toBe(viaPseudonym());
  });
});
