import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBin, rawExchange, tokenOf } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

/**
 * A Hookyard on loopback with no proxy and no public address (the laptop default) may
 * forward to localhost and the LAN, so its dashboard and API must only ever answer this
 * machine: not a tunnel, a proxy, or a page whose name was re-pointed at 127.0.0.1.
 */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.dispose();
});

function exchange(lines: string[]): Promise<{ status: number; text: string }> {
  return rawExchange(server.baseUrl, [...lines, "Connection: close", "", ""].join("\r\n")).then((raw) => ({
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0),
    text: raw,
  }));
}

describe("a local-only instance", () => {
  it("answers the dashboard and API 421 under a name that is not this machine's (DNS rebinding, a tunnel)", async () => {
    const bin = await createBin(server.baseUrl);
    const port = new URL(server.baseUrl).port;
    for (const host of [`rebind.example:${port}`, "abc123.ngrok-free.app", "hooks.example.com"]) {
      for (const target of ["/api/health", "/", `/bins/${bin.id}`, `/api/bins/${bin.id}/stream`]) {
        const answer = await exchange([`GET ${target} HTTP/1.1`, `Host: ${host}`, `Authorization: Bearer ${tokenOf(bin.id)}`]);
        expect(answer.status, `${host} ${target}`).toBe(421);
        expect(answer.text).toContain('"error":"misdirected_request"');
      }
      const made = await exchange(["POST /api/bins HTTP/1.1", `Host: ${host}`, "Content-Length: 0"]);
      expect(made.status).toBe(421);
      expect(made.text).not.toContain("hyk_");
    }
    // Captures are for anyone, whatever name they came under.
    expect((await exchange([`POST /b/${bin.id} HTTP/1.1`, "Host: abc123.ngrok-free.app", "Content-Length: 0"])).status).toBe(200);
  });

  it("answers 421 to a request that came through a proxy or tunnel, even under localhost", async () => {
    const bin = await createBin(server.baseUrl);
    for (const header of ["X-Forwarded-For: 127.0.0.9", "Forwarded: for=127.0.0.9", "X-Real-IP: 127.0.0.9", "X-Forwarded-Host: localhost", "Via: 1.1 tunnel"]) {
      const answer = await exchange([`GET /api/bins/${bin.id} HTTP/1.1`, "Host: localhost", `Authorization: Bearer ${tokenOf(bin.id)}`, header]);
      expect(answer.status, header).toBe(421);
      expect(answer.text).toContain("TRUST_PROXY");
    }
  });

  it("serves this machine under every name of it", async () => {
    const bin = await createBin(server.baseUrl);
    const port = new URL(server.baseUrl).port;
    for (const host of [`localhost:${port}`, `app.localhost:${port}`, `127.0.0.1:${port}`, `127.1.2.3`, `[::1]:${port}`]) {
      const answer = await exchange([`GET /api/bins/${bin.id} HTTP/1.1`, `Host: ${host}`, `Authorization: Bearer ${tokenOf(bin.id)}`]);
      expect(answer.status, host).toBe(200);
    }
  });
});

describe("an instance behind a proxy (TRUST_PROXY)", () => {
  it("serves any name, and forwards to public addresses only", async () => {
    const proxied = await startTestServer({ env: { TRUST_PROXY: "loopback" } });
    try {
      const bin = await createBin(proxied.baseUrl);
      const answer = await rawExchange(
        proxied.baseUrl,
        [
          `GET /api/bins/${bin.id} HTTP/1.1`,
          "Host: hooks.example.com",
          "X-Forwarded-For: 127.0.0.9",
          `Authorization: Bearer ${tokenOf(bin.id)}`,
          "Connection: close",
          "",
          "",
        ].join("\r\n"),
      );
      expect(answer).toMatch(/^HTTP\/1\.1 200 /);
      expect(proxied.output()).toContain("Forwarding may connect to: public addresses");
    } finally {
      await proxied.dispose();
    }
  }, 60_000);
});
