import { BlockList, isIP } from "node:net";

/**
 * Which addresses and host names forwarding may connect to. Pure: no DNS here. The
 * caller resolves a host name once, checks every address with `checkAddress`, and
 * connects to the very address it checked, so a name that resolves differently a
 * moment later (DNS rebinding) cannot slip past the check.
 *
 * An address is judged by where a connection to it ends up: IPv6 forms that carry an
 * IPv4 address (mapped `::ffff:a.b.c.d`, translated `::ffff:0:a.b.c.d`, compatible
 * `::a.b.c.d`, NAT64 `64:ff9b::/96` and `64:ff9b:1::/48`, 6to4 `2002::/16`, Teredo
 * `2001::/32`) are judged by the IPv4 address they carry, and every one of them must be
 * allowed: the operating system, a NAT64 gateway or a tunnel may deliver the packet there.
 */

/** Where an address belongs. `reserved` (unspecified, multicast, documentation...) is never allowed. */
export type AddressCategory = "loopback" | "private" | "link-local" | "public" | "reserved";

/** A keyword of FORWARD_ALLOW_ADDRESSES or a CIDR block. */
export type AddressRule =
  { kind: "category"; category: Exclude<AddressCategory, "reserved"> } | { kind: "cidr"; text: string; family: 4 | 6; network: string; prefix: number };

const keywords = ["loopback", "private", "link-local", "public"] as const;

type Block = [network: string, prefix: number];

const ranges: Record<Exclude<AddressCategory, "public">, { v4: Block[]; v6: Block[] }> = {
  loopback: { v4: [["127.0.0.0", 8]], v6: [["::1", 128]] },
  private: {
    // RFC 1918, carrier-grade NAT (RFC 6598), unique local IPv6 (RFC 4193), deprecated site-local.
    v4: [
      ["10.0.0.0", 8],
      ["172.16.0.0", 12],
      ["192.168.0.0", 16],
      ["100.64.0.0", 10],
    ],
    v6: [
      ["fc00::", 7],
      ["fec0::", 10],
    ],
  },
  // Includes 169.254.169.254, the cloud metadata service: its own keyword so "private" does not open it.
  "link-local": { v4: [["169.254.0.0", 16]], v6: [["fe80::", 10]] },
  reserved: {
    v4: [
      // 0.0.0.0 reaches this machine on Linux: "this network" is never a target.
      ["0.0.0.0", 8],
      ["192.0.0.0", 24],
      ["192.0.2.0", 24],
      ["192.88.99.0", 24],
      ["198.18.0.0", 15],
      ["198.51.100.0", 24],
      ["203.0.113.0", 24],
      ["224.0.0.0", 4],
      ["240.0.0.0", 4],
    ],
    v6: [
      // What is left of ::/8 once ::1 and the embedded-IPv4 forms are taken out, :: included.
      ["::", 8],
      ["100::", 64],
      ["2001:2::", 48],
      ["2001:10::", 28],
      ["2001:20::", 28],
      ["2001:db8::", 32],
      ["3fff::", 20],
      ["5f00::", 16],
      ["ff00::", 8],
    ],
  },
};

// One list per family: a BlockList also matches IPv4 addresses against IPv6 rules (as
// ::ffff:a.b.c.d), and ::/8 would then swallow every IPv4 address.
const blockLists = Object.fromEntries(
  Object.entries(ranges).map(([category, { v4, v6 }]) => {
    const lists = { ipv4: new BlockList(), ipv6: new BlockList() };
    for (const [network, prefix] of v4) lists.ipv4.addSubnet(network, prefix, "ipv4");
    for (const [network, prefix] of v6) lists.ipv6.addSubnet(network, prefix, "ipv6");
    return [category, lists];
  }),
) as Record<Exclude<AddressCategory, "public">, { ipv4: BlockList; ipv6: BlockList }>;

/**
 * An IPv4 address in any spelling the URL standard and `inet_aton` accept: one to four
 * parts, each decimal, octal (`0177`) or hex (`0x7f`), the last filling the remaining
 * bytes (`127.1`, `2130706433`, `0x7f000001`), one trailing dot allowed. Dotted-quad
 * form, or null when `text` is not such a number.
 */
export function parseIpv4Loose(text: string): string | null {
  const parts = text.split(".");
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
  if (parts.length === 0 || parts.length > 4) return null;
  const numbers: number[] = [];
  for (const part of parts) {
    let value: number;
    if (/^0[xX][0-9a-fA-F]*$/.test(part)) value = part.length === 2 ? 0 : parseInt(part.slice(2), 16);
    else if (/^0[0-7]+$/.test(part)) value = parseInt(part.slice(1), 8);
    else if (/^(0|[1-9][0-9]*)$/.test(part)) value = Number(part);
    else return null;
    if (!Number.isSafeInteger(value)) return null;
    numbers.push(value);
  }
  const last = numbers.pop()!;
  if (numbers.some((value) => value > 255) || last >= 256 ** (4 - numbers.length)) return null;
  let whole = last;
  numbers.forEach((value, index) => (whole += value * 256 ** (3 - index)));
  return [whole >>> 24, (whole >>> 16) & 255, (whole >>> 8) & 255, whole & 255].join(".");
}

/** The 16 bytes of an IPv6 address (a zone such as `%eth0` is ignored), or null. */
function ipv6Bytes(text: string): number[] | null {
  const address = text.replace(/%.*$/, "");
  if (isIP(address) !== 6) return null;
  let head = address;
  const tail: number[] = [];
  const lastColon = address.lastIndexOf(":");
  if (address.slice(lastColon + 1).includes(".")) {
    tail.push(
      ...address
        .slice(lastColon + 1)
        .split(".")
        .map(Number),
    );
    head = address.slice(0, lastColon + 1);
    if (!head.endsWith("::")) head = head.slice(0, -1);
  }
  const words = (part: string) => (part === "" ? [] : part.split(":").map((word) => parseInt(word, 16)));
  const [left, right] = head.includes("::") ? head.split("::").map(words) : [words(head), []];
  const missing = 8 - tail.length / 2 - left!.length - right!.length;
  const all = [...left!, ...Array<number>(missing).fill(0), ...right!];
  return [...all.flatMap((word) => [word >> 8, word & 255]), ...tail];
}

const v4At = (bytes: number[], start: number) => bytes.slice(start, start + 4).join(".");

/** The IPv4 addresses an IPv6 address carries, in the forms that deliver to them; empty for a plain IPv6 address. */
export function embeddedIpv4(address: string): string[] {
  const bytes = ipv6Bytes(address);
  if (!bytes) return [];
  const word = (index: number) => (bytes[index * 2]! << 8) | bytes[index * 2 + 1]!;
  const zero = (from: number, to: number) => bytes.slice(from, to).every((byte) => byte === 0);
  // ::ffff:a.b.c.d (mapped) and ::ffff:0:a.b.c.d (SIIT translated).
  if (zero(0, 10) && word(5) === 0xffff) return [v4At(bytes, 12)];
  if (zero(0, 8) && word(4) === 0xffff && word(5) === 0) return [v4At(bytes, 12)];
  // ::a.b.c.d (IPv4-compatible, deprecated but still routed by some stacks); :: and ::1 are themselves.
  if (zero(0, 12) && !zero(12, 15)) return [v4At(bytes, 12)];
  // NAT64 well-known prefix (RFC 6052): always /96.
  if (word(0) === 0x64 && word(1) === 0xff9b && zero(4, 12)) return [v4At(bytes, 12)];
  // NAT64 local-use prefix (RFC 8215): the operator picks the prefix length, so each
  // RFC 6052 position is a place the IPv4 address may sit; all of them are judged.
  if (word(0) === 0x64 && word(1) === 0xff9b && word(2) === 1) {
    const candidates = [
      [...bytes.slice(6, 8), ...bytes.slice(9, 11)].join("."), // /48
      [bytes[7], ...bytes.slice(9, 12)].join("."), // /56
      bytes.slice(9, 13).join("."), // /64
      v4At(bytes, 12), // /96
    ];
    return [...new Set(candidates)];
  }
  // 6to4 (RFC 3056): 2002:AABB:CCDD::/48 reaches A.B.C.D through a relay.
  if (word(0) === 0x2002) return [v4At(bytes, 2)];
  // Teredo (RFC 4380): the server's address, then the client's, stored inverted.
  if (word(0) === 0x2001 && word(1) === 0)
    return [
      v4At(bytes, 4),
      bytes
        .slice(12, 16)
        .map((byte) => byte ^ 255)
        .join("."),
    ];
  return [];
}

/** `address` as an IP literal in canonical form (IPv6 compressed, no brackets, no zone), or null. */
export function normalizeAddress(address: string): { address: string; family: 4 | 6 } | null {
  const bare = address.replace(/^\[|\]$/g, "");
  const family = isIP(bare);
  if (family === 4) return { address: bare, family: 4 };
  if (family !== 6) return null;
  // URL's parser writes the canonical compressed form, e.g. [::ffff:7f00:1].
  const canonical = new URL(`http://[${bare.replace(/%.*$/, "")}]/`).hostname.slice(1, -1);
  return { address: canonical, family: 6 };
}

/**
 * The IP address a URL host names when it is an address in any spelling: `127.1`,
 * `2130706433`, `0x7f000001`, `0177.0.0.1`, `127.0.0.1.`, `[::ffff:127.0.0.1]`...
 * Null for a host name, which DNS must resolve.
 */
export function literalAddress(host: string): { address: string; family: 4 | 6 } | null {
  const direct = normalizeAddress(host);
  if (direct) return direct;
  const loose = parseIpv4Loose(host);
  return loose ? { address: loose, family: 4 } : null;
}

/** `localhost` and `*.localhost` (RFC 6761), with or without a trailing dot, whatever the case. */
export function isLocalhostName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, "");
  return name === "localhost" || name.endsWith(".localhost");
}

/** Whether Hookyard listening on `host` (the HOST setting) is reachable from this machine only. */
export function isLoopbackListener(host: string): boolean {
  if (host.toLowerCase() === "localhost") return true;
  const literal = literalAddress(host);
  return literal !== null && categorize(literal.address) === "loopback";
}

const severity: AddressCategory[] = ["public", "private", "loopback", "link-local", "reserved"];

/** The category of a plain address, without looking inside embedded-IPv4 forms. */
function categoryOf(normalized: { address: string; family: 4 | 6 }): AddressCategory {
  const type = normalized.family === 4 ? "ipv4" : "ipv6";
  for (const category of ["loopback", "private", "link-local", "reserved"] as const) {
    if (blockLists[category][type].check(normalized.address, type)) return category;
  }
  return "public";
}

/**
 * Where an address belongs; an embedded-IPv4 form belongs where the address it carries
 * does (the most guarded one when it carries several).
 * @throws Error when `address` is not an IP address
 */
export function categorize(address: string): AddressCategory {
  const normalized = normalizeAddress(address);
  if (!normalized) throw new Error(`not an IP address: ${address}`);
  const embedded = normalized.family === 6 ? embeddedIpv4(normalized.address) : [];
  if (embedded.length === 0) return categoryOf(normalized);
  return embedded
    .map((v4) => categoryOf({ address: v4, family: 4 }))
    .reduce((worst, next) => (severity.indexOf(next) > severity.indexOf(worst) ? next : worst));
}

/** Parses FORWARD_ALLOW_ADDRESSES: `loopback`, `private`, `link-local`, `public` and CIDRs such as `10.1.0.0/16`. */
export function parseAddressAllowList(text: string): { rules: AddressRule[] } | { problem: string } {
  const rules: AddressRule[] = [];
  for (const item of text
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)) {
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

/** The rules as FORWARD_ALLOW_ADDRESSES would spell them, for the start-up log. */
export function describeAllowList(rules: AddressRule[]): string {
  return rules.map((rule) => (rule.kind === "category" ? rule.category : rule.text)).join(",") || "(nothing)";
}

export type AddressDecision = { allowed: true } | { allowed: false; reason: string };

function checkPlain(normalized: { address: string; family: 4 | 6 }, rules: AddressRule[]): AddressDecision {
  const category = categoryOf(normalized);
  if (category === "reserved")
    return { allowed: false, reason: `${normalized.address} is a reserved address (unspecified, multicast, documentation or similar range)` };
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

/**
 * Whether forwarding may connect to `address` (an IP literal) under `rules`. Reserved
 * addresses never are. An IPv6 address carrying IPv4 addresses is allowed only when
 * each of them is, whatever the IPv6 CIDR rules say: `2000::/3` must not open
 * `2002:a00:1::` (10.0.0.1 through 6to4).
 */
export function checkAddress(address: string, rules: AddressRule[]): AddressDecision {
  const normalized = normalizeAddress(address);
  if (!normalized) return { allowed: false, reason: `${address} is not an IP address` };
  const embedded = normalized.family === 6 ? embeddedIpv4(normalized.address) : [];
  if (embedded.length === 0) return checkPlain(normalized, rules);
  for (const v4 of embedded) {
    const decision = checkPlain({ address: v4, family: 4 }, rules);
    if (!decision.allowed) return { allowed: false, reason: `${normalized.address} carries the IPv4 address ${v4}; ${decision.reason}` };
  }
  return { allowed: true };
}

/** Whether the host name is allowed: `null` allows any; `*.example.com` matches its subdomains, not itself. */
export function checkHost(hostname: string, allowHosts: string[] | null): AddressDecision {
  if (!allowHosts) return { allowed: true };
  const host = hostname
    .toLowerCase()
    .replace(/\.$/, "")
    .replace(/^\[|\]$/g, "");
  const allowed = allowHosts.some((pattern) => (pattern.startsWith("*.") ? host.endsWith(pattern.slice(1)) : host === pattern));
  return allowed ? { allowed: true } : { allowed: false, reason: `host ${host} is not in FORWARD_ALLOW_HOSTS` };
}
