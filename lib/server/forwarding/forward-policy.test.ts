import { describe, expect, it } from "vitest";
import {
  categorize,
  checkAddress,
  checkHost,
  embeddedIpv4,
  isLocalhostName,
  isLoopbackListener,
  literalAddress,
  parseAddressAllowList,
  parseIpv4Loose,
} from "./forward-policy.ts";

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
    ["0.1.2.3", "reserved"],
    ["::", "reserved"],
    ["::0.0.0.2", "reserved"],
    ["255.255.255.255", "reserved"],
    ["192.88.99.1", "reserved"],
    ["3fff::1", "reserved"],
    ["100::1", "reserved"],
    ["fec0::1", "private"],
    ["fe80::1%eth0", "link-local"],
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

describe("literalAddress: every spelling of an address in a URL host", () => {
  it.each([
    ["127.0.0.1", "127.0.0.1"],
    ["127.1", "127.0.0.1"],
    ["127.0.1", "127.0.0.1"],
    ["2130706433", "127.0.0.1"],
    ["0x7f000001", "127.0.0.1"],
    ["0X7F000001", "127.0.0.1"],
    ["0x7f.1", "127.0.0.1"],
    ["0177.0.0.1", "127.0.0.1"],
    ["0177.1", "127.0.0.1"],
    ["127.0.0.1.", "127.0.0.1"],
    ["127.000.000.001", "127.0.0.1"],
    ["0", "0.0.0.0"],
    ["0x0", "0.0.0.0"],
    ["0.0.0.0", "0.0.0.0"],
    ["3232235521", "192.168.0.1"],
    ["0xa9fea9fe", "169.254.169.254"],
    ["[::1]", "::1"],
    ["[0:0:0:0:0:0:0:1]", "::1"],
    ["[::ffff:127.0.0.1]", "::ffff:7f00:1"],
    ["[::127.0.0.1]", "::7f00:1"],
    ["[fe80::1%25eth0]", "fe80::1"],
  ])("%s is %s", (host, address) => {
    expect(literalAddress(host)?.address).toBe(address);
  });

  it.each(["localhost", "localhost.", "example.com", "1.2.3.4.5", "256.1.1.1", "0x100000000", "4294967296", "08.1.1.1", "1..1", "", "1.2.3.0xg"])(
    "%s is not an address",
    (host) => {
      expect(literalAddress(host)).toBeNull();
    },
  );

  it("parses the URL standard's IPv4 forms the same way new URL() does", () => {
    for (const host of ["127.1", "2130706433", "0x7f000001", "0177.0.0.1", "0x7f.0.0.1", "127.0.0.1.", "0", "10.1", "192.168.257"]) {
      expect(parseIpv4Loose(host), host).toBe(new URL(`http://${host}/`).hostname);
    }
  });
});

describe("embedded IPv4 forms are judged by the address they carry", () => {
  it.each([
    ["::ffff:127.0.0.1", ["127.0.0.1"], "loopback"],
    ["::ffff:7f00:1", ["127.0.0.1"], "loopback"],
    ["::ffff:0:127.0.0.1", ["127.0.0.1"], "loopback"],
    ["::127.0.0.1", ["127.0.0.1"], "loopback"],
    ["::7f00:1", ["127.0.0.1"], "loopback"],
    ["::10.0.0.1", ["10.0.0.1"], "private"],
    ["64:ff9b::127.0.0.1", ["127.0.0.1"], "loopback"],
    ["64:ff9b::a9fe:a9fe", ["169.254.169.254"], "link-local"],
    ["64:ff9b::192.168.0.1", ["192.168.0.1"], "private"],
    ["64:ff9b::8.8.8.8", ["8.8.8.8"], "public"],
    // Local-use NAT64 at /96 and at /48 (RFC 6052: octets around the zero "u" byte).
    ["64:ff9b:1::a00:1", ["0.0.0.0", "0.0.0.10", "10.0.0.1"], "reserved"],
    ["64:ff9b:1:7f00:0:100::", ["127.0.0.1", "0.0.1.0", "0.1.0.0", "0.0.0.0"], "reserved"],
    ["2002:7f00:1::", ["127.0.0.1"], "loopback"],
    ["2002:c0a8:101::1", ["192.168.1.1"], "private"],
    ["2002:808:808::1", ["8.8.8.8"], "public"],
    // Teredo: server 65.54.227.120, client ~(0xf5ff:fffe) = 10.0.0.1.
    ["2001:0:4136:e378:8000:63bf:f5ff:fffe", ["65.54.227.120", "10.0.0.1"], "private"],
    ["2001:0:4136:e378:8000:63bf:3fff:fdd2", ["65.54.227.120", "192.0.2.45"], "reserved"],
  ])("%s carries %j and is %s", (address, carried, category) => {
    expect(embeddedIpv4(address)).toEqual(carried);
    expect(categorize(address)).toBe(category);
  });

  it.each(["::1", "::", "2606:4700::1111", "fd00::1", "fe80::1"])("%s carries none", (address) => {
    expect(embeddedIpv4(address)).toEqual([]);
  });

  it("refuses each of them under `public`, and allows the public ones", () => {
    const strict = rules("public");
    for (const address of [
      "::ffff:127.0.0.1",
      "::127.0.0.1",
      "::ffff:0:127.0.0.1",
      "64:ff9b::127.0.0.1",
      "64:ff9b::10.0.0.1",
      "2002:7f00:1::",
      "2002:a9fe:a9fe::",
      "2001:0:4136:e378:8000:63bf:f5ff:fffe",
      "64:ff9b:1::808:808",
    ]) {
      expect(checkAddress(address, strict).allowed, address).toBe(false);
    }
    expect(checkAddress("64:ff9b::8.8.8.8", strict).allowed).toBe(true);
    expect(checkAddress("2002:808:808::1", strict).allowed).toBe(true);
    expect(checkAddress("::ffff:127.0.0.1", strict)).toEqual({
      allowed: false,
      reason: "::ffff:7f00:1 carries the IPv4 address 127.0.0.1; 127.0.0.1 is a loopback address, which FORWARD_ALLOW_ADDRESSES does not allow",
    });
  });

  it("an IPv6 CIDR rule does not open the IPv4 address a form carries", () => {
    expect(checkAddress("2002:a00:1::", rules("2000::/3")).allowed).toBe(false);
    expect(checkAddress("::ffff:10.0.0.1", rules("::/0")).allowed).toBe(false);
    expect(checkAddress("2002:a00:1::", rules("10.0.0.0/8")).allowed).toBe(true);
  });
});

describe("names and listeners", () => {
  it.each(["localhost", "LOCALHOST", "localhost.", "app.localhost", "a.b.localhost."])("%s is a localhost name", (host) => {
    expect(isLocalhostName(host)).toBe(true);
  });
  it.each(["localhost.example.com", "mylocalhost", "example.com"])("%s is not", (host) => {
    expect(isLocalhostName(host)).toBe(false);
  });
  it.each([
    ["127.0.0.1", true],
    ["127.9.9.9", true],
    ["::1", true],
    ["localhost", true],
    ["0.0.0.0", false],
    ["::", false],
    ["192.168.0.4", false],
    ["example.com", false],
  ])("listening on %s is loopback only: %s", (host, loopback) => {
    expect(isLoopbackListener(host)).toBe(loopback);
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
