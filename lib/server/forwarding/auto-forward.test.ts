import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../../e2e/support/factories.ts";
import { startTargetServer, type TargetServer } from "../../../e2e/support/target.ts";
import { getConfig } from "../../config.ts";
import { AutoForwarder } from "./auto-forward.ts";
import { createBin, endedByTurningOff, updateBin } from "../bins/bins.ts";
import { createSqliteCaptureStore, type CaptureStore } from "../storage/sqlite/capture-store.ts";
import { getDb } from "../storage/sqlite/client.ts";
import { createInProcessBus } from "../live/events.ts";
import { captureRow } from "../storage/test-builders.ts";
import { useTestDatabase } from "../storage/test-database.ts";

const database = useTestDatabase();
let store: CaptureStore;
let target: TargetServer;
let worker: AutoForwarder;

beforeAll(async () => {
  store = createSqliteCaptureStore(database.file, { maxCapturesPerBin: 100 });
  target = await startTargetServer();
  worker = new AutoForwarder(getConfig().forward, createInProcessBus());
  await worker.start();
});

afterAll(async () => {
  await worker.stop();
  await target.close();
  store.close();
});

async function jobOf(requestId: string) {
  return eventually(async () => {
    const job = await getDb().forwardJob.findUniqueOrThrow({ where: { id: requestId }, select: { state: true, lastError: true } });
    if (job.state === "pending" || job.state === "running") throw new Error(`job still ${job.state}`);
    return job;
  });
}

describe("AutoForwarder", () => {
  it("delivers a job of a bin whose auto-forward is on", async () => {
    const binId = (await createBin("10.0.0.7")).id;
    await updateBin(binId, { forward: { url: target.baseUrl, enabled: true } });
    const row = captureRow({ binId, path: "/on", forwardJob: { target: target.baseUrl, maxAttempts: 1 } });
    await store.insertAll([row]);
    worker.wake();

    expect(await jobOf(row.id)).toEqual({ state: "delivered", lastError: null });
    expect(target.received.map((received) => received.url)).toContain("/on?a=1");
  });

  it("ends, unsent, a job written after auto-forward was turned off (a capture queued with the old setting)", async () => {
    const binId = (await createBin("10.0.0.7")).id;
    await updateBin(binId, { forward: { url: target.baseUrl, enabled: true } });
    await updateBin(binId, { forward: { url: target.baseUrl, enabled: false } });
    const row = captureRow({ binId, path: "/off", forwardJob: { target: target.baseUrl, maxAttempts: 3 } });
    await store.insertAll([row]);
    worker.wake();

    expect(await jobOf(row.id)).toEqual(endedByTurningOff);
    expect(target.received.map((received) => received.url)).not.toContain("/off?a=1");
  });
});
