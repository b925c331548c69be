import { describe, expect, it } from "vitest";
import { describeNetworkError, endToEndHeaders, joinTargetUrl, wireHeaders } from "./forward-message.mjs";

describe("endToEndHeaders", () => {
  it("drops hop-by-hop headers and those Connection names, keeping order, case and duplicates", () => {
    const headers: [string, string][] = [
      ["Host", "hooks.example"],
      ["X-B", "1"],
      ["Connection", "keep-alive, X-Secret-Hop"],
      ["Content-Length", "10"],
      ["Transfer-Encoding", "chunked"],
      ["Keep-Alive", "timeout=5"],
      ["Proxy-Authorization", "Basic x"],
      ["TE", "trailers"],
      ["Trailer", "X-T"],
      ["Upgrade", "h2c"],
      ["x-secret-hop", "gone"],
      ["X-A", "2"],
      ["X-B", "3"],
      ["Stripe-Signature", "t=1,v1=ab"],
    ];
    expect(endToEndHeaders(headers)).toEqual([
      ["X-B", "1"],
      ["X-A", "2"],
      ["X-B", "3"],
      ["Stripe-Signature", "t=1,v1=ab"],
    ]);
  });

  it("puts Host first and declares the body length, also an empty POST body", () => {
    const url = new URL("http://127.0.0.1:9000/x");
    expect(wireHeaders(url, "POST", [["X-A", "1"]], 3)).toEqual([
      ["Host", "127.0.0.1:9000"],
      ["X-A", "1"],
      ["Content-Length", "3"],
    ]);
    expect(wireHeaders(url, "POST", [], 0)).toEqual([
      ["Host", "127.0.0.1:9000"],
      ["Content-Length", "0"],
    ]);
    expect(wireHeaders(url, "GET", [], 0)).toEqual([["Host", "127.0.0.1:9000"]]);
    // The sender's own headers go after the captured ones, before the framing.
    expect(wireHeaders(url, "POST", [["Via", "1.0 front"]], 1, [["Via", "1.1 hookyard-x"]])).toEqual([
      ["Host", "127.0.0.1:9000"],
      ["Via", "1.0 front"],
      ["Via", "1.1 hookyard-x"],
      ["Content-Length", "1"],
    ]);
  });
});

describe("joinTargetUrl", () => {
  it.each([
    ["http://t.test/base", "/hooks/x", "a=1", "http://t.test/base/hooks/x?a=1"],
    ["http://t.test/base/", "/hooks/x", "", "http://t.test/base/hooks/x"],
    ["http://t.test", "/hooks/x", "", "http://t.test/hooks/x"],
    ["http://t.test/base?k=v", "/p", "a=1&a=2", "http://t.test/base/p?k=v&a=1&a=2"],
    ["http://t.test/base", "", "", "http://t.test/base"],
    ["http://t.test", "", "q", "http://t.test/?q"],
    ["http://t.test/b", "/caf%C3%A9/a%2Fb", "x=%20y", "http://t.test/b/caf%C3%A9/a%2Fb?x=%20y"],
  ])("%s + %s + %s", (target, path, query, expected) => {
    expect(joinTargetUrl(target, path, query)).toBe(expected);
  });
});

describe("describeNetworkError", () => {
  const context = { host: "127.0.0.1:9", timeoutMs: 250 };
  const coded = (code: string, message = code) => Object.assign(new Error(message), { code });
  it.each([
    ["ECONNREFUSED", "connection refused by 127.0.0.1:9 (nothing listening there)"],
    ["FORWARD_TIMEOUT", "timeout: no complete answer from 127.0.0.1:9 within 250 ms"],
    ["ENOTFOUND", "DNS: host name 127.0.0.1 not found"],
    ["ECONNRESET", "connection reset by 127.0.0.1:9 before a complete answer"],
  ])("%s", (code, words) => {
    expect(describeNetworkError(coded(code), context)).toBe(words);
  });
  it("names TLS failures", () => {
    expect(describeNetworkError(coded("DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate"), context)).toBe(
      "TLS: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)",
    );
  });
});
