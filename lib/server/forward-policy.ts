import { BlockList, isIP } from "node:net";

/**
 * Which addresses and host names forwarding may connect to. Pure: no DNS here. The
 * caller resolves a host name once, checks every address with `checkAddress`, and
 * connects to the very address it checked, so a name that resolves differently a
 * moment later (DNS rebinding) cannot slip past the check.
 */

/** Where an address belongs. `reserved` (unspecified, multicast, documentation...) is never allowed. */
export type AddressCategory = "loopback" | "private" | "link-local" | "public" | "reserved";

/** A keyword of FORWARD_ALLOW_ADDRESSES or a CIDR block. */
export type AddressRule = { kind: "category"; category: Exclude<AddressCategory, "reserved"> } | { kind: "cidr"; text: string; family: 4 | 6; network: string; prefix: number };

const keywords = ["loopback", "private", "link-local", "public"] as const;

type Block = [network: string, prefix: number];

const ranges: Record<Exclude<AddressCategory, "public">, { v4: Block[]; v6: Block[] }> = {
  loopback: { v4: [["127.0.0.0", 8]], v6: [["::1", 128]] },
  private: {
    // RFC 1918, carrier-grade NAT (RFC 6598), unique local IPv6 (RFC 4193).
    v4: [["10.0.0.0", 8], ["172.16.0.0", 12], ["192.168.0.0", 16], ["100.64.0.0", 10]],
    v6: [["fc00::", 7]],
  },
  // Includes 169.254.169.254, the cloud metadata service: its own keyword so "private" does not open it.
  "link-local": { v4: [["169.254.0.0", 16]], v6: [["fe80::", 10]] },
  reserved: {
    v4: [
      ["0.0.0.0", 8],
      ["192.0.0.0", 24],
      ["192.0.2.0", 24],
      ["198.18.0.0", 15],
      ["198.51.100.0", 24],
      ["203.0.113.0", 24],
      ["224.0.0.0", 4],
      ["240.0.0.0", 4],
    ],
    v6: [["::", 128], ["ff00::", 8], ["2001:db8::", 32], ["100::", 64], ["64:ff9b:1::", 48]],
  },
};

const blockLists = Object.fromEntries(
  Object.entries(ranges).map(([category, { v4, v6 }]) => {
    const list = new BlockList();
    for (const [network, prefix] of v4) list.addSubnet(network, prefix, "ipv4");
    for (const [network, prefix] of v6) list.addSubnet(network, prefix, "ipv6");
    return [category, list];
  }),
) as Record<Exclude<AddressCategory, "public">, BlockList>;

/** `::ffff:127.0.0.1` and `::ffff:7f00:1` are IPv4 addresses in disguise: judge them as IPv4. */
export function normalizeAddress(address: string): { address: string; family: 4 | 6 } | null {
  const bare = address.replace(/^\[|\]$/g, "");
  const family = isIP(bare);
  if (family === 4) return { address: bare, family: 4 };
  if (family !== 6) return null;
  // URL's parser writes the canonical compressed form, e.g. [::ffff:7f00:1].
  const canonical = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (mapped) {
    const high = parseInt(mapped[1]!, 16);
    const low = parseInt(mapped[2]!, 16);
    return { address: [high >> 8, high & 255, low >> 8, low & 255].join("."), family: 4 };
  }
  return { address: canonical, family: 6 };
}

export function categorize(address: string): AddressCategory {
  const normalized = normalizeAddress(address);
  if (!normalized) throw new Error(`not an IP address: ${address}`);
  const type = normalized.family === 4 ? "ipv4" : "ipv6";
  for (const category of ["loopback", "private", "link-local", "reserved"] as const) {
    if (blockLists[category].check(normalized.address, type)) return category;
  }
  return "public";
}

/** Parses FORWARD_ALLOW_ADDRESSES: `loopback`, `private`, `link-local`, `public` and CIDRs such as `10.1.0.0/16`. */
export function parseAddressAllowList(text: string): { rules: AddressRule[] } | { problem: string } {
  const rules: AddressRule[] = [];
  for (const item of text.split(",").map((part) => part.trim()).filter(Boolean)) {
    if ((keywords as readonly string[]).includes(item)) {
      rules.push({ kind: "category", category: item as (typeof keywords)[number] });
      continue;
    }
    const slash = item.lastIndexOf("/");
    const normalized = normalizeAddress(slash === -1 ? item : item.slice(0, slash));
    const prefix = slash === -1 ? (normalized?.family === 4 ? 32 : 128) : Number(item.slice(slash + 1));
    if (!normalized || !Number.isInteger(prefix) || prefix < 0 || prefix > (normalized.family === 4 ? 32 : 128)) {
      return { problem: `"${item}" is neither ${keywords.join(", ")} nor an address or CIDR block such as 10.1.0.0/16` };
    }
    rules.push({ kind: "cidr", text: item, family: normalized.family, network: normalized.address, prefix });
  }
  return { rules };
}

export type AddressDecision = { allowed: true } | { allowed: false; reason: string };

/** Whether forwarding may connect to `address` (an IP literal) under `rules`. Reserved addresses never are. */
export function checkAddress(address: string, rules: AddressRule[]): AddressDecision {
  const normalized = normalizeAddress(address);
  if (!normalized) return { allowed: false, reason: `${address} is not an IP address` };
  const category = categorize(normalized.address);
  if (category === "reserved") return { allowed: false, reason: `${normalized.address} is a reserved address (unspecified, multicast or documentation range)` };
  const allowed = rules.some((rule) => {
    if (rule.kind === "category") return rule.category === category;
    if (rule.family !== normalized.family) return false;
    const list = new BlockList();
    list.addSubnet(rule.network, rule.prefix, rule.family === 4 ? "ipv4" : "ipv6");
    return list.check(normalized.address, rule.family === 4 ? "ipv4" : "ipv6");
  });
  if (allowed) return { allowed: true };
  return { allowed: false, reason: `${normalized.address} is a ${category} address, which FORWARD_ALLOW_ADDRESSES does not allow` };
}

/** Whether the host name is allowed: `null` allows any; `*.example.com` matches its subdomains, not itself. */
export function checkHost(hostname: string, allowHosts: string[] | null): AddressDecision {
  if (!allowHosts) return { allowed: true };
  const host = hostname.toLowerCase().replace(/\.$/, "").replace(/^\[|\]$/g, "");
  const allowed = allowHosts.some((pattern) => (pattern.startsWith("*.") ? host.endsWith(pattern.slice(1)) : host === pattern));
  return allowed ? { allowed: true } : { allowed: false, reason: `host ${host} is not in FORWARD_ALLOW_HOSTS` };
}
