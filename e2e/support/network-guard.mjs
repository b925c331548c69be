import dns from "node:dns";
import dnsPromises from "node:dns/promises";
import { syncBuiltinESMExports } from "node:module";
import net from "node:net";

/**
 * Preloaded into the test server (`node --import`, see server.ts); plain JavaScript
 * because Node runs it as it is, before the bundle. Never part of the product: Hookyard
 * itself has no way to take a fake resolver, so nothing a user can set in production
 * reaches this.
 *
 * - Names in HOOKYARD_TEST_DNS (JSON: `{ "name": ["addr", ...] }`, or a list of such
 *   lists answered in turn, the last repeating) resolve to those addresses, so a test can
 *   make a name point at an internal address. Names under the reserved `.test`,
 *   `.invalid` and `.example` suffixes that are not in the table answer ENOTFOUND
 *   without a query. Each answer is logged as `[network-guard] lookup NAME -> ADDRS`.
 * - Any connection this process tries to open to an address outside 127.0.0.0/8 and
 *   ::1 is stopped before it starts, fails with ETESTGUARD and is logged as
 *   `[network-guard] BLOCKED connect to ADDR`, so a regression in the forwarding policy
 *   can never send test traffic off the machine.
 */

const table = JSON.parse(process.env.HOOKYARD_TEST_DNS ?? "{}");
const asked = new Map();
const reservedSuffix = /\.(test|invalid|example)\.?$/i;

function isLoopback(address) {
  const bare = address.replace(/^\[|\]$/g, "").replace(/^::ffff:/i, "");
  if (net.isIPv4(bare)) return bare.startsWith("127.");
  return bare === "::1" || bare === "0:0:0:0:0:0:0:1";
}

function notFound(host) {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND", hostname: host });
}

/** The table's answer for `host` as `[{ address, family }]`; null when the real resolver should answer. Throws ENOTFOUND. */
function fromTable(host) {
  const name = host.toLowerCase();
  const entry = table[name];
  if (entry === undefined) {
    if (!reservedSuffix.test(name)) return null;
    process.stderr.write(`[network-guard] lookup ${name} -> ENOTFOUND\n`);
    throw notFound(name);
  }
  const count = asked.get(name) ?? 0;
  asked.set(name, count + 1);
  const answers = Array.isArray(entry[0]) ? entry : [entry];
  const addresses = answers[Math.min(count, answers.length - 1)] ?? [];
  process.stderr.write(`[network-guard] lookup ${name} -> ${addresses.join(", ")}\n`);
  return addresses.map((address) => ({ address, family: net.isIPv6(address) ? 6 : 4 }));
}

const realPromiseLookup = dnsPromises.lookup;
dnsPromises.lookup = async (host, options) => {
  const found = fromTable(host);
  if (!found) return realPromiseLookup(host, options);
  if (typeof options === "object" && options?.all) return found;
  if (!found[0]) throw notFound(host);
  return found[0];
};

const realLookup = dns.lookup;
dns.lookup = (host, options, callback) => {
  const done = typeof options === "function" ? options : callback;
  const all = typeof options === "object" && options !== null && options.all;
  let found;
  try {
    found = fromTable(host);
  } catch (error) {
    process.nextTick(() => done(error));
    return;
  }
  if (!found) return realLookup(host, options, callback);
  process.nextTick(() => {
    if (all) done(null, found);
    else if (found[0]) done(null, found[0].address, found[0].family);
    else done(notFound(host));
  });
};
syncBuiltinESMExports();

function blocked(address) {
  process.stderr.write(`[network-guard] BLOCKED connect to ${address}\n`);
  return Object.assign(new Error(`network-guard: connection to ${address} blocked in tests`), { code: "ETESTGUARD" });
}

const realConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  // net.createConnection hands over [options, callback] already normalised.
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === "object" && first !== null ? first : { port: first, host: typeof args[1] === "string" ? args[1] : undefined };
  if (options.path) return realConnect.apply(this, args);
  const host = String(options.host ?? "localhost").replace(/^\[|\]$/g, "");
  if (net.isIP(host)) {
    if (isLoopback(host)) return realConnect.apply(this, args);
    const error = blocked(host);
    process.nextTick(() => this.destroy(error));
    return this;
  }
  // A name: whatever it resolves to is checked before the socket connects to it.
  const lookup = options.lookup ?? dns.lookup;
  options.lookup = (name, lookupOptions, callback) =>
    lookup(name, lookupOptions, (error, address, family) => {
      if (error) return callback(error);
      const list = Array.isArray(address) ? address : [{ address, family }];
      const outside = list.find((entry) => !isLoopback(entry.address));
      if (outside) return callback(blocked(outside.address));
      callback(null, address, family);
    });
  return realConnect.apply(this, args);
};
