import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { capture, captureOk, createBin, getRequest } from "../support/factories";
import { startTestServer, type TestServer } from "../support/server";

const rounds = 3;
const workers = 32;

/**
 * Drives captures from `workers` concurrent clients and kills the server once it has
 * acknowledged `killAfterAcks` of them (with many more in flight), recording every
 * capture it acknowledged with the exact body it was sent. Counting acknowledgements
 * rather than waiting a fixed time keeps the kill mid-load on a slow or busy machine.
 */
async function captureUntilKilled(server: TestServer, binId: string, killAfterAcks: number) {
  const acknowledged = new Map<string, Buffer>();
  let alive = true;
  const worker = async () => {
    while (alive) {
      const body = randomBytes(64 + Math.floor(Math.random() * 2048));
      try {
        const result = await capture(server.baseUrl, binId, { body, headers: { "Content-Type": "application/octet-stream" } });
        if (result.status === 200 && result.id) acknowledged.set(result.id, body);
      } catch {
        // The connection died with the server: this capture was never acknowledged.
        alive = false;
      }
    }
  };
  const running = Array.from({ length: workers }, worker);
  while (alive && acknowledged.size < killAfterAcks) await new Promise((resolve) => setTimeout(resolve, 2));
  await server.kill();
  alive = false;
  await Promise.all(running);
  return acknowledged;
}

describe("nothing acknowledged is lost", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.dispose());

  it.each(Array.from({ length: rounds }, (_, round) => [round + 1]))(
    "round %i: kill -9 under full load, restart, every 2xx capture is there byte for byte",
    async (round) => {
      const bin = await createBin(server.baseUrl);
      const acknowledged = await captureUntilKilled(server, bin.id, 60 + round * 90);
      // Restart before judging, so a failed round does not leave the next without a server.
      await server.restart();
      expect(acknowledged.size).toBeGreaterThanOrEqual(60 + round * 90);

      for (const [id, body] of acknowledged) {
        const stored = await getRequest(server.baseUrl, bin.id, id);
        expect(Buffer.from(stored.bodyBase64, "base64").equals(body)).toBe(true);
      }
      await captureOk(server.baseUrl, bin.id, { body: "serving again" });
    },
    60_000,
  );
});
