import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../../e2e/support/factories.ts";
import { startTargetServer, type TargetServer } from "../../../e2e/support/target.ts";
import { getConfig } from "../../config.ts";
import { AutoForwarder } from "./auto-forward.ts";
import { createBin, updateBin } from "../bins/bins.ts";
import { type CaptureWriter, endedByTurningOff, getStorage } from "../storage/storage.ts";
import { createInProcessBus } from "../live/events.ts";
import { captureRow } from "../storage/test-builders.ts";
import { useTestDatabase } from "../storage/test-database.ts";

useTestDatabase({ MAX_CAPTURES_PER_BIN: "100" });
let store: CaptureWriter;
let target: TargetServer;
let worker: AutoForwarder;

beforeAll(async () => {
  store = getStorage().writer;
  target = await startTargetServer();
  worker = new AutoForwarder(getConfig().forward, createInProcessBus());
  await worker.start();
});

afterAll(async () => {
  await worker.stop();
  await target.close();
});

async function jobOf(binId: string, requestId: string) {
  return eventually(async () => {
    const job = (await getStorage().forwarding.forwardsOf(binId, requestId))?.job;
    if (!job) throw new Error(`no job for capture ${requestId}`);
    if (job.state === "pending" || job.state === "running") throw new Error(`job still ${job.state}`);
    return { state: job.state, lastError: job.lastError };
  });
}

describe("AutoForwarder", () => {
  it("delivers a job of a bin whose auto-forward is on", async () => {
    const binId = (await createBin("10.0.0.7")).id;
    await updateBin(binId, { forward: { url: target.baseUrl, enabled: true } });
    const row = captureRow({ binId, path: "/on", forwardJob: { target: target.baseUrl, maxAttempts: 1 } });
    await store.insertAll([row]);
    worker.wake();

    expect(await jobOf(binId, row.id)).toEqual({ state: "delivered", lastError: null });
    expect(target.received.map((received) => received.url)).toContain("/on?a=1");
  });

  it("ends, unsent, a job written after auto-forward was turned off (a capture queued with the old setting)", async () => {
    const binId = (await createBin("10.0.0.7")).id;
    await updateBin(binId, { forward: { url: target.baseUrl, enabled: true } });
    await updateBin(binId, { forward: { url: target.baseUrl, enabled: false } });
    const row = captureRow({ binId, path: "/off", forwardJob: { target: target.baseUrl, maxAttempts: 3 } });
    await store.insertAll([row]);
    worker.wake();

    expect(await jobOf(binId, row.id)).toEqual(endedByTurningOff);
    expect(target.received.map((received) => received.url)).not.toContain("/off?a=1");
  });
});
