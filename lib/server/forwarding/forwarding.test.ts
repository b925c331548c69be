import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../errors.ts";
import { exchange, type LookupAll, resolveTarget } from "./forwarding.ts";
import { parseAddressAllowList } from "./forward-policy.ts";

// exchange() against a real local server: the parts the integration tests cannot reach
// cheaply (the answer-size bound, messages Node refuses before connecting).
let server: http.Server;
let base: URL;
const big = Buffer.alloc(200_000, 0x61);

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => res.end(req.url === "/big" ? big : "small"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const loopback = { address: "127.0.0.1", family: 4 as const };
const send = (path: string, headers: [string, string][] = [["Host", base.host]], maxResponseBytes = 1024) =>
  exchange(new URL(path, base), loopback, { method: "GET", headers, body: new Uint8Array() }, { timeoutMs: 5_000, maxResponseBytes });

describe("exchange", () => {
  it("keeps at most maxResponseBytes of the answer and says it truncated", async () => {
    const result = await send("/big");
    expect(result).toMatchObject({ kind: "answer", status: 200, truncated: true });
    if (result.kind !== "answer") throw new Error("no answer");
    expect(result.body.equals(big.subarray(0, 1024))).toBe(true);
  });

  it("keeps a small answer whole", async () => {
    const result = await send("/small");
    expect(result).toMatchObject({ kind: "answer", status: 200, truncated: false });
    if (result.kind === "answer") expect(result.body.toString()).toBe("small");
  });

  it("answers an error in words, never throws, when Node refuses the message itself", async () => {
    const result = await send("/small", [["X-Bad", "✓"]]);
    expect(result.kind).toBe("error");
    if (result.kind === "error") expect(result.error).toMatch(/^network error talking to 127\.0\.0\.1:\d+: ERR_INVALID_CHAR$/);
  });
});

describe("resolveTarget", () => {
  const policy = (text: string) => {
    const parsed = parseAddressAllowList(text);
    if ("problem" in parsed) throw new Error(parsed.problem);
    return { allowAddresses: parsed.rules, allowHosts: null };
  };
  /** A resolver that answers from a table and records what it was asked; it never touches the network. */
  const fakeDns = (table: Record<string, string[]>) => {
    const asked: string[] = [];
    const lookup: LookupAll = async (host) => {
      asked.push(host);
      const addresses = table[host];
      if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
      return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
    };
    return { lookup, asked };
  };
  const refusal = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("forbidden");
    return (error as AppError).message;
  };

  it("refuses a name resolving to an internal address, having asked DNS once", async () => {
    const dns = fakeDns({ "internal.test": ["10.0.0.5"], "metadata.test": ["169.254.169.254"], "v6.test": ["::ffff:192.168.1.1"] });
    expect(await refusal(resolveTarget(new URL("http://internal.test:8080/x"), policy("public"), dns.lookup))).toMatch(
      /internal\.test resolves to 10\.0\.0\.5; 10\.0\.0\.5 is a private address/,
    );
    expect(await refusal(resolveTarget(new URL("http://metadata.test/"), policy("loopback,private,public"), dns.lookup))).toMatch(/link-local/);
    expect(await refusal(resolveTarget(new URL("http://v6.test/"), policy("public"), dns.lookup))).toMatch(/carries the IPv4 address 192\.168\.1\.1/);
    expect(dns.asked).toEqual(["internal.test", "metadata.test", "v6.test"]);
  });

  it.each([
    "http://127.1/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0177.0.0.1/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::127.0.0.1]/",
    "http://[64:ff9b::7f00:1]/",
    "http://[2002:7f00:1::]/",
    "http://0.0.0.0/",
    "http://0/",
  ])("refuses %s under `public` without asking DNS", async (target) => {
    const dns = fakeDns({});
    await refusal(resolveTarget(new URL(target), policy("public"), dns.lookup));
    expect(dns.asked).toEqual([]);
  });

  it("takes localhost names (trailing dot, subdomains) as loopback only, whatever the resolver says", async () => {
    // A resolver whose search domain turns "localhost" into a LAN host.
    const dns = fakeDns({ localhost: ["192.168.1.50", "::1"] });
    for (const host of ["localhost", "localhost.", "LOCALHOST", "app.localhost"]) {
      expect(await refusal(resolveTarget(new URL(`http://${host}:3000/`), policy("private,public"), dns.lookup)), host).toMatch(/::1 is a loopback address/);
      expect(await resolveTarget(new URL(`http://${host}:3000/`), policy("loopback"), dns.lookup)).toEqual({ address: "::1", family: 6 });
    }
    expect(new Set(dns.asked)).toEqual(new Set(["localhost"]));
    // No answer at all: still loopback, never a DNS error that a retry might turn into something else.
    expect(await resolveTarget(new URL("http://localhost./"), policy("loopback"), fakeDns({}).lookup)).toEqual({ address: "127.0.0.1", family: 4 });
  });

  it("connects to an allowed address among several, the one it checked", async () => {
    const dns = fakeDns({ "mixed.test": ["10.0.0.1", "127.0.0.1"] });
    expect(await resolveTarget(new URL("http://mixed.test/"), policy("loopback"), dns.lookup)).toEqual({ address: "127.0.0.1", family: 4 });
  });

  it("answers an unresolvable name as a DNS error in words", async () => {
    expect(await resolveTarget(new URL("http://nowhere.test/"), policy("public"), fakeDns({}).lookup)).toEqual({
      error: "DNS: host name nowhere.test not found",
    });
  });
});
