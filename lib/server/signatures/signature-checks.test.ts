import { ulid } from "ulid";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createBin, updateBin } from "../bins/bins.ts";
import { getBinSettings } from "../bins/settings.ts";
import { type CaptureWriter, getStorage } from "../storage/storage.ts";
import { rejudgeBin } from "./signature-checks.ts";
import { type SignatureConfig, signatureConfigSchema } from "./index.ts";
import { captureRow } from "../storage/test-builders.ts";
import { useTestDatabase } from "../storage/test-database.ts";

useTestDatabase({ MAX_CAPTURES_PER_BIN: "100000" });
let store: CaptureWriter;

beforeAll(() => {
  store = getStorage().writer;
});

afterEach(() => {
  vi.restoreAllMocks();
});

// Each check names its provider in every verdict it stores, so a row shows which check judged it.
const checks = {
  github: signatureConfigSchema.parse({ provider: "github", secrets: ["github-secret-for-rejudge"] }),
  shopify: signatureConfigSchema.parse({ provider: "shopify", secrets: ["shopify-secret-for-rejudge"] }),
  linear: signatureConfigSchema.parse({ provider: "linear", secrets: ["linear-secret-for-rejudge"] }),
};

/** A bin holding `count` captures (more than one re-judge page of 500). */
async function binWithCaptures(count: number): Promise<string> {
  const { id } = await createBin("127.0.0.1");
  const start = Date.now() - count;
  await store.insertAll(Array.from({ length: count }, (_, i) => captureRow({ binId: id, id: ulid(start + i), receivedAt: start + i })));
  return id;
}

async function providersOf(binId: string): Promise<Map<string | null, number>> {
  const page = await getStorage().captures.page(binId, { limit: 100_000 });
  const providers = new Map<string | null, number>();
  for (const { signatureProvider } of page?.captures ?? []) providers.set(signatureProvider, (providers.get(signatureProvider) ?? 0) + 1);
  return providers;
}

describe("rejudgeBin", () => {
  it("runs only the newest of calls made together, under the check read when it starts", async () => {
    const binId = await binWithCaptures(1_200);
    const started: string[] = [];
    const reading = (name: keyof typeof checks) => async (): Promise<SignatureConfig> => {
      started.push(name);
      return checks[name];
    };
    const results = await Promise.all([rejudgeBin(binId, reading("github")), rejudgeBin(binId, reading("shopify")), rejudgeBin(binId, reading("linear"))]);
    expect(results).toEqual([null, null, 1_200]);
    expect(started).toEqual(["linear"]);
    expect(await providersOf(binId)).toEqual(new Map([["linear", 1_200]]));
  });

  it("stops one in progress when a newer one is asked for, and starts that one only once the older has stopped", async () => {
    const binId = await binWithCaptures(1_200);
    const { captures } = getStorage();
    const writeVerdicts = captures.writeVerdicts.bind(captures);
    // Hold the first page's write until the newer call has been made: the older
    // re-judge is then certainly in the middle of the bin.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let firstPageHeld = false;
    let firstPageWritten = false;
    vi.spyOn(captures, "writeVerdicts").mockImplementation(async (verdicts) => {
      if (firstPageHeld) return writeVerdicts(verdicts);
      firstPageHeld = true;
      await held;
      await writeVerdicts(verdicts);
      firstPageWritten = true;
    });

    const older = rejudgeBin(binId, async () => checks.github);
    await vi.waitFor(() => expect(firstPageHeld).toBe(true), { timeout: 5_000, interval: 5 });
    let olderStillWritingWhenNewerStarted: boolean | null = null;
    const newer = rejudgeBin(binId, async () => {
      olderStillWritingWhenNewerStarted = !firstPageWritten;
      return checks.shopify;
    });
    release();

    expect(await older).toBeNull();
    expect(await newer).toBe(1_200);
    expect(olderStillWritingWhenNewerStarted).toBe(false);
    expect(await providersOf(binId)).toEqual(new Map([["shopify", 1_200]]));
  });

  it("lets a call after the previous one ended run in full", async () => {
    const binId = await binWithCaptures(10);
    expect(await rejudgeBin(binId, async () => checks.github)).toBe(10);
    expect(await rejudgeBin(binId, async () => null)).toBe(10);
    expect(await providersOf(binId)).toEqual(new Map([[null, 10]]));
  });
});

describe("updateBin with concurrent signature changes", () => {
  it("ends with every verdict under the check the bin has at the end", async () => {
    const binId = await binWithCaptures(1_500);
    await Promise.all([
      updateBin(binId, { signature: checks.github }),
      updateBin(binId, { signature: checks.shopify }),
      updateBin(binId, { signature: checks.linear }),
    ]);
    const stored = (await getStorage().bins.loadSettings(binId))?.signature?.provider ?? null;
    expect(stored).not.toBeNull();
    expect(await providersOf(binId)).toEqual(new Map([[stored, 1_500]]));
    // New captures are judged by the in-memory settings: they follow the same check.
    expect((await getBinSettings(binId))?.signature?.provider).toBe(stored);
  });
});
