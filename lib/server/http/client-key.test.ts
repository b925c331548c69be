import { describe, expect, it } from "vitest";
import { clientKey } from "./client-key.ts";

describe("clientKey", () => {
  it("keeps an IPv4 address, and reads a mapped one as the IPv4 client it is", () => {
    expect(clientKey("127.0.0.1")).toBe("127.0.0.1");
    expect(clientKey("::ffff:127.0.0.2")).toBe("127.0.0.2");
  });

  it("counts every address of an IPv6 /64 as one client, whatever its spelling", () => {
    const key = clientKey("2001:db8:1:2::1");
    expect(key).toBe("2001:db8:1:2::/64");
    for (const same of ["2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:0db8:0001:0002:0:0:0:9", "[2001:db8:1:2::abcd]", "2001:db8:1:2::7%eth0"]) {
      expect(clientKey(same), same).toBe(key);
    }
    expect(clientKey("2001:db8:1:3::1")).not.toBe(key);
    expect(clientKey("::1")).toBe("0:0:0:0::/64");
  });

  it("leaves anything that is not an address as it is", () => {
    expect(clientKey("unknown")).toBe("unknown");
  });
});
