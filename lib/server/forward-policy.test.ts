import { describe, expect, it } from "vitest";
import { categorize, checkAddress, checkHost, parseAddressAllowList } from "./forward-policy.ts";

const rules = (text: string) => {
  const parsed = parseAddressAllowList(text);
  if ("problem" in parsed) throw new Error(parsed.problem);
  return parsed.rules;
};

describe("categorize", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["::1", "loopback"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["10.2.3.4", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "private"],
    ["fd12:3456::1", "private"],
    ["169.254.169.254", "link-local"],
    ["fe80::1", "link-local"],
    ["0.0.0.0", "reserved"],
    ["::", "reserved"],
    ["224.0.0.1", "reserved"],
    ["ff02::1", "reserved"],
    ["172.32.0.1", "public"],
    ["8.8.8.8", "public"],
    ["2606:4700::1111", "public"],
    ["::ffff:8.8.8.8", "public"],
  ])("%s is %s", (address, category) => {
    expect(categorize(address)).toBe(category);
  });
});

describe("checkAddress", () => {
  it("allows loopback, private and public by default, never link-local or reserved", () => {
    const defaults = rules("loopback,private,public");
    expect(checkAddress("127.0.0.1", defaults)).toEqual({ allowed: true });
    expect(checkAddress("192.168.0.10", defaults)).toEqual({ allowed: true });
    expect(checkAddress("1.1.1.1", defaults)).toEqual({ allowed: true });
    expect(checkAddress("169.254.169.254", defaults)).toEqual({
      allowed: false,
      reason: "169.254.169.254 is a link-local address, which FORWARD_ALLOW_ADDRESSES does not allow",
    });
    expect(checkAddress("0.0.0.0", rules("loopback,private,public,link-local")).allowed).toBe(false);
  });

  it("locked down to public: loopback in any spelling is refused", () => {
    const strict = rules("public");
    for (const address of ["127.0.0.1", "::1", "::ffff:127.0.0.1", "[::1]", "10.0.0.1", "fc00::5"]) {
      expect(checkAddress(address, strict).allowed).toBe(false);
    }
    expect(checkAddress("::1", strict)).toEqual({ allowed: false, reason: "::1 is a loopback address, which FORWARD_ALLOW_ADDRESSES does not allow" });
  });

  it("allows a CIDR block on its own, for v4 and v6", () => {
    const cidr = rules("10.1.0.0/16, fd00::/8");
    expect(checkAddress("10.1.200.3", cidr).allowed).toBe(true);
    expect(checkAddress("10.2.0.1", cidr).allowed).toBe(false);
    expect(checkAddress("fd00::9", cidr).allowed).toBe(true);
    expect(checkAddress("127.0.0.1", rules("127.0.0.1")).allowed).toBe(true);
  });

  it("rejects unknown keywords and bad CIDRs with a message", () => {
    expect(parseAddressAllowList("localnet")).toMatchObject({ problem: expect.stringContaining('"localnet"') });
    expect(parseAddressAllowList("10.0.0.0/33")).toHaveProperty("problem");
  });
});

describe("checkHost", () => {
  it("allows any host when unset, else exact names and *.suffix", () => {
    expect(checkHost("anything.test", null).allowed).toBe(true);
    const allow = ["hooks.example.com", "*.internal.test"];
    expect(checkHost("HOOKS.example.com", allow).allowed).toBe(true);
    expect(checkHost("a.b.internal.test", allow).allowed).toBe(true);
    expect(checkHost("internal.test", allow).allowed).toBe(false);
    expect(checkHost("evil-hooks.example.com", allow)).toEqual({ allowed: false, reason: "host evil-hooks.example.com is not in FORWARD_ALLOW_HOSTS" });
  });
});
