import { BlockList, isIP } from "node:net";

/**
 * TRUST_PROXY: which hops in front of Hookyard are proxies of the operator's, whose
 * X-Forwarded-For/-Proto/-Host it believes. Anything else a client writes in those
 * headers is its own claim and is never taken as the client's address or origin.
 *
 * - `off`: no proxy; the socket peer is the client.
 * - `hops`: the `hops` nearest hops (the socket peer first) are proxies, whatever their
 *   address, as when a fixed chain of load balancers always sits in front.
 * - `ranges`: a hop is a proxy when its address is in one of these blocks.
 */
export type TrustProxy = { mode: "off" } | { mode: "hops"; hops: number } | { mode: "ranges"; ranges: TrustedRange[] };

export type TrustedRange = { family: 4 | 6; network: string; prefix: number };

const keywordRanges: Record<string, TrustedRange[]> = {
  loopback: [
    { family: 4, network: "127.0.0.0", prefix: 8 },
    { family: 6, network: "::1", prefix: 128 },
  ],
  // RFC 1918 and unique local IPv6: where a reverse proxy or a container network lives.
  private: [
    { family: 4, network: "10.0.0.0", prefix: 8 },
    { family: 4, network: "172.16.0.0", prefix: 12 },
    { family: 4, network: "192.168.0.0", prefix: 16 },
    { family: 6, network: "fc00::", prefix: 7 },
  ],
};

/** More hops than any real chain of proxies; a bigger number is a typo. */
const maxHops = 32;

/**
 * Parses TRUST_PROXY: `false`/`0`/empty (off), `true` (the keywords `loopback,private`),
 * a number of hops, or a comma-separated list of `loopback`, `private`, addresses and
 * CIDR blocks.
 */
export function parseTrustProxy(text: string): TrustProxy | { problem: string } {
  const value = text.trim().toLowerCase();
  if (value === "" || value === "false" || value === "0") return { mode: "off" };
  if (value === "true") return { mode: "ranges", ranges: [...keywordRanges.loopback!, ...keywordRanges.private!] };
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > maxHops) return { problem: `at most ${maxHops} hops` };
    return { mode: "hops", hops };
  }
  const ranges: TrustedRange[] = [];
  for (const entry of value
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)) {
    const keyword = keywordRanges[entry];
    if (keyword) {
      ranges.push(...keyword);
      continue;
    }
    const range = parseRange(entry);
    if (!range) {
      return { problem: `"${entry}" is not true, false, a number of hops, loopback, private, an IP address or a CIDR block such as 10.0.0.0/8` };
    }
    ranges.push(range);
  }
  if (ranges.length === 0) return { mode: "off" };
  return { mode: "ranges", ranges };
}

function parseRange(entry: string): TrustedRange | null {
  const [network = "", prefixText, extra] = entry.split("/");
  if (extra !== undefined) return null;
  const address = normalizeAddress(network);
  if (!address) return null;
  const bits = address.family === 4 ? 32 : 128;
  if (prefixText === undefined) return { family: address.family, network: address.address, prefix: bits };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) return null;
  return { family: address.family, network: address.address, prefix: Number(prefixText) };
}

/**
 * An address as it appears on a socket or in X-Forwarded-For: bare, `[v6]`, with a port
 * (`203.0.113.9:4711`, `[2001:db8::1]:4711`) or IPv4-mapped (`::ffff:10.0.0.1`, judged
 * as the IPv4 address it is). Null for anything that is not an address.
 */
export function normalizeAddress(text: string): { address: string; family: 4 | 6 } | null {
  let candidate = text.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(candidate);
  if (bracketed) candidate = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(candidate)) candidate = candidate.slice(0, candidate.indexOf(":"));
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(candidate);
  if (mapped) candidate = mapped[1]!;
  const family = isIP(candidate);
  if (family === 4) return { address: candidate, family: 4 };
  if (family === 6) return { address: candidate.toLowerCase(), family: 6 };
  return null;
}

const blockLists = new WeakMap<TrustedRange[], BlockList>();

function blockListFor(ranges: TrustedRange[]): BlockList {
  let list = blockLists.get(ranges);
  if (!list) {
    list = new BlockList();
    for (const range of ranges) list.addSubnet(range.network, range.prefix, range.family === 4 ? "ipv4" : "ipv6");
    blockLists.set(ranges, list);
  }
  return list;
}

/** Whether the hop `distance` steps from us (0: the socket peer) at `address` is a proxy of ours. */
export function isTrustedHop(trust: TrustProxy, address: string, distance: number): boolean {
  switch (trust.mode) {
    case "off":
      return false;
    case "hops":
      return distance < trust.hops;
    case "ranges": {
      const parsed = normalizeAddress(address);
      return parsed !== null && blockListFor(trust.ranges).check(parsed.address, parsed.family === 4 ? "ipv4" : "ipv6");
    }
  }
}

/**
 * Every X-Forwarded-For entry, oldest hop first, across all the header's lines in the
 * order they arrived (`rawHeaders` is a flat [name, value, ...] list).
 */
export function forwardedForHops(rawHeaders: readonly string[]): string[] {
  const hops: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() !== "x-forwarded-for") continue;
    for (const part of rawHeaders[i + 1]!.split(",")) {
      const hop = part.trim();
      if (hop !== "") hops.push(hop);
    }
  }
  return hops;
}

/**
 * The client's address: starting at the socket peer, walk X-Forwarded-For from the
 * right (each proxy appends the address it received the request from) for as long as
 * the hop is a proxy of ours; the first hop that is not is the client. Entries to its
 * left were written by the client or its own proxies and are never believed. A trusted
 * proxy that passed on something that is not an address ends the walk at that proxy.
 */
export function resolveClientAddress(peer: string | undefined, forwardedFor: readonly string[], trust: TrustProxy): string {
  let current = normalizeAddress(peer ?? "")?.address ?? peer ?? "";
  for (let distance = 0, i = forwardedFor.length - 1; i >= 0; distance++, i--) {
    if (!isTrustedHop(trust, current, distance)) return current;
    const next = normalizeAddress(forwardedFor[i]!);
    if (!next) return current;
    current = next.address;
  }
  return current;
}
