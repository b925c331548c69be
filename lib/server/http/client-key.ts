import { isIPv4, isIPv6 } from "node:net";

/**
 * The key a per-client limit counts under: an IPv4 address as it is, an IPv6 address by
 * its /64. One host is routinely handed a whole /64, so keying by the full address would
 * give a single client 2^64 separate allowances (streams, failed tokens, new bins).
 * `::ffff:a.b.c.d` is the IPv4 client it stands for.
 */
export function clientKey(address: string): string {
  const bare = address.replace(/^\[|\]$/g, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (!isIPv6(bare)) return bare;
  return `${expandIPv6(bare).slice(0, 4).join(":")}::/64`;
}

/** The eight hextets of an IPv6 address, without leading zeros (`::1` → 0,0,0,0,0,0,0,1). */
function expandIPv6(address: string): string[] {
  const withoutZone = address.split("%")[0]!;
  // An embedded IPv4 tail (`::ffff:1.2.3.4`, `64:ff9b::1.2.3.4`) is two hextets.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(withoutZone);
  const text = v4
    ? withoutZone.slice(0, v4.index) + [((Number(v4[1]) << 8) | Number(v4[2])).toString(16), ((Number(v4[3]) << 8) | Number(v4[4])).toString(16)].join(":")
    : withoutZone;
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const fill = tail === undefined ? [] : Array.from({ length: 8 - left.length - right.length }, () => "0");
  return [...left, ...fill, ...right].map((part) => parseInt(part, 16).toString(16));
}
