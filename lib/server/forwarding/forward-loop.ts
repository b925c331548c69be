import { randomBytes } from "node:crypto";
import type { HeaderPair } from "../../types.ts";

/**
 * Keeps auto-forward from chasing its own tail. Every request Hookyard's forwarder sends
 * (by hand, auto-forward, each retry) carries `Via: 1.1 hookyard-<id>`, the header HTTP
 * intermediaries add to what they pass on and keep from earlier hops (RFC 9110
 * §7.6.3); `<id>` is this process's. A capture that carries our own entry came back to us
 * through our own forwarder, whatever name, alias, proxy or address it took on the
 * way, and is stored but not auto-forwarded again. A chain through several Hookyards
 * (A → B → A, each adding its entry) stops the same way once it reaches one a second
 * time, and any chain stops after `maxHookyardHops` Hookyards.
 *
 * The id is random per process: after a restart, a loop already under way runs one more
 * round before the new id is in the chain. It says nothing about the instance.
 */

const viaKey = Symbol.for("hookyard.viaPseudonym");
type WithVia = typeof globalThis & { [viaKey]?: string };

/** More Hookyards than this in one request's Via: forwarding it again is not done. */
export const maxHookyardHops = 5;

const pseudonymPrefix = "hookyard-";

/** This process's name in Via. One per process: Next's bundles and the custom server share it. */
export function viaPseudonym(): string {
  const holder = globalThis as WithVia;
  holder[viaKey] ??= `${pseudonymPrefix}${randomBytes(9).toString("base64url")}`;
  return holder[viaKey];
}

/** The header every forwarded request carries after the captured ones. */
export function viaHeader(): HeaderPair {
  return ["Via", `1.1 ${viaPseudonym()}`];
}

/** The `received-by` of every Via entry, in order (`1.1 proxy (comment), HTTP/2 cdn` → proxy, cdn). */
function viaReceivers(headers: HeaderPair[]): string[] {
  return headers
    .filter(([name]) => name.toLowerCase() === "via")
    .flatMap(([, value]) => value.split(","))
    .map((entry) => entry.trim().split(/\s+/)[1] ?? "")
    .filter(Boolean);
}

/**
 * Why a capture with these headers must not be auto-forwarded, in words, or null when
 * it may be: it came from this Hookyard's own forwarder, or through too many Hookyards.
 */
export function forwardLoopReason(headers: HeaderPair[]): string | null {
  const receivers = viaReceivers(headers);
  if (receivers.includes(viaPseudonym())) {
    return "not forwarded: this request was sent by this Hookyard's own forwarder (its Via header says so), so forwarding it again would loop";
  }
  const hookyards = receivers.filter((receiver) => receiver.startsWith(pseudonymPrefix)).length;
  if (hookyards >= maxHookyardHops) return `not forwarded: this request has already passed through ${hookyards} Hookyard forwarders`;
  return null;
}
