import { describe, expect, it } from "vitest";
import { forwardedForHops, isTrustedHop, normalizeAddress, parseTrustProxy, resolveClientAddress, type TrustProxy } from "./trust-proxy.ts";

function trust(text: string): TrustProxy {
  const parsed = parseTrustProxy(text);
  if ("problem" in parsed) throw new Error(parsed.problem);
  return parsed;
}

describe("parseTrustProxy", () => {
  it.each(["", "false", "0", " FALSE "])("reads %j as no proxy", (text) => {
    expect(parseTrustProxy(text)).toEqual({ mode: "off" });
  });

  it("reads true as loopback and private ranges", () => {
    const parsed = trust("true");
    for (const address of ["127.0.0.1", "127.9.9.9", "::1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "fd00::1", "::ffff:10.0.0.1"]) {
      expect(isTrustedHop(parsed, address, 0), address).toBe(true);
    }
    for (const address of ["203.0.113.9", "172.32.0.1", "169.254.169.254", "100.64.0.1", "2001:db8::1", "", "garbage"]) {
      expect(isTrustedHop(parsed, address, 0), address).toBe(false);
    }
  });

  it("reads a number as that many hops, whatever their address", () => {
    expect(trust("2")).toEqual({ mode: "hops", hops: 2 });
    expect(isTrustedHop(trust("2"), "203.0.113.9", 1)).toBe(true);
    expect(isTrustedHop(trust("2"), "10.0.0.1", 2)).toBe(false);
  });

  it("reads keywords, addresses and CIDR blocks", () => {
    const parsed = trust("loopback, 203.0.113.0/24, 2001:db8::/32, 198.51.100.7");
    expect(isTrustedHop(parsed, "127.0.0.1", 0)).toBe(true);
    expect(isTrustedHop(parsed, "203.0.113.200", 0)).toBe(true);
    expect(isTrustedHop(parsed, "2001:db8::42", 0)).toBe(true);
    expect(isTrustedHop(parsed, "198.51.100.7", 0)).toBe(true);
    expect(isTrustedHop(parsed, "198.51.100.8", 0)).toBe(false);
    expect(isTrustedHop(parsed, "10.0.0.1", 0)).toBe(false);
  });

  it.each(["yes", "10.0.0.0/33", "10.0.0.0/8/1", "::1/129", "33", "example.com", "private,nope"])("refuses %j", (text) => {
    expect(parseTrustProxy(text)).toHaveProperty("problem");
  });
});

describe("normalizeAddress", () => {
  it.each([
    ["203.0.113.9", "203.0.113.9"],
    [" 203.0.113.9:4711 ", "203.0.113.9"],
    ["[2001:DB8::1]:4711", "2001:db8::1"],
    ["[::1]", "::1"],
    ["::ffff:192.168.0.1", "192.168.0.1"],
  ])("reads %j as %s", (text, address) => {
    expect(normalizeAddress(text)?.address).toBe(address);
  });

  it.each(["", "unknown", "1.2.3", "evil.example", "1.2.3.4.5"])("refuses %j", (text) => {
    expect(normalizeAddress(text)).toBeNull();
  });
});

describe("forwardedForHops", () => {
  it("reads every X-Forwarded-For line in order, any case, without empty entries", () => {
    expect(forwardedForHops(["Host", "x", "X-Forwarded-For", "1.1.1.1, 2.2.2.2", "x-forwarded-for", " , 3.3.3.3", "X-Other", "4.4.4.4"])).toEqual([
      "1.1.1.1",
      "2.2.2.2",
      "3.3.3.3",
    ]);
  });
});

describe("resolveClientAddress", () => {
  const chain = ["198.51.100.66", "203.0.113.9", "10.0.0.5"];

  it("is the socket peer when no proxy is trusted, whatever the header says", () => {
    expect(resolveClientAddress("127.0.0.1", chain, trust("false"))).toBe("127.0.0.1");
  });

  it("walks from the right past trusted proxies to the first hop that is not one", () => {
    // The client wrote 198.51.100.66 itself; 203.0.113.9 is what our edge proxy saw.
    expect(resolveClientAddress("127.0.0.1", chain, trust("true"))).toBe("203.0.113.9");
  });

  it("counts hops from the socket peer", () => {
    expect(resolveClientAddress("127.0.0.1", chain, trust("1"))).toBe("10.0.0.5");
    expect(resolveClientAddress("127.0.0.1", chain, trust("2"))).toBe("203.0.113.9");
    expect(resolveClientAddress("127.0.0.1", chain, trust("3"))).toBe("198.51.100.66");
    // More hops trusted than there are: the left-most is all there is.
    expect(resolveClientAddress("127.0.0.1", chain, trust("9"))).toBe("198.51.100.66");
  });

  it("stops at a trusted proxy that passed on something that is not an address", () => {
    expect(resolveClientAddress("127.0.0.1", ["203.0.113.9", "unknown"], trust("true"))).toBe("127.0.0.1");
  });

  it("believes nothing a public peer sends", () => {
    expect(resolveClientAddress("203.0.113.50", ["10.0.0.1"], trust("true"))).toBe("203.0.113.50");
  });
});
