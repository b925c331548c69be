import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exchange } from "./forwarding.ts";

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
