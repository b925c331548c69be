import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBin, deleteBin } from "../../bins/bins.ts";
import { type CaptureRow, defaultBodyChunkBytes, defaultInlineBodyBytes, getStorage } from "../storage.ts";
import { createSqliteCaptureStore, type SqliteCaptureStore } from "./capture-store.ts";
import { clearRequests, deleteRequest, getRequestBodyOrThrow, getRequestOrThrow } from "../requests.ts";
import { captureRow as buildCaptureRow } from "../test-builders.ts";
import { useTestDatabase } from "../test-database.ts";

/**
 * Large bodies are stored as BodyChunk rows beside their capture. These tests write
 * through the capture store and read back through every reader (storage/prisma/bodies.ts).
 */
const database = useTestDatabase();
let store: SqliteCaptureStore;
let binId: string;

beforeAll(async () => {
  store = createSqliteCaptureStore(database.file, { maxCapturesPerBin: 1_000_000 });
  binId = (await createBin("127.0.0.1")).id;
});

afterAll(() => {
  store.close();
});

const captureRow = (overrides: Partial<CaptureRow> = {}) => buildCaptureRow({ binId, ...overrides });

/** What SQLite holds for a capture: the inline column's length and its chunk rows' lengths in order. */
function stored(requestId: string): { inline: number; chunks: number[] } {
  const db = new Database(database.file, { readonly: true });
  try {
    const inline = db.prepare<[string], number>(`SELECT length("body") FROM "CapturedRequest" WHERE "id" = ?`).pluck().get(requestId);
    const chunks = db.prepare<[string], number>(`SELECT length("data") FROM "BodyChunk" WHERE "requestId" = ? ORDER BY "seq"`).pluck().all(requestId);
    return { inline: inline ?? -1, chunks };
  } finally {
    db.close();
  }
}

function chunkRowCount(): number {
  const db = new Database(database.file, { readonly: true });
  try {
    return db.prepare<[], number>(`SELECT count(*) FROM "BodyChunk"`).pluck().get() ?? -1;
  } finally {
    db.close();
  }
}

async function readAll(stream: Uint8Array | ReadableStream<Uint8Array>): Promise<Buffer> {
  if (stream instanceof Uint8Array) return Buffer.from(stream);
  const parts: Uint8Array[] = [];
  for await (const part of stream) parts.push(part);
  return Buffer.concat(parts);
}

/** Every way a reader gets the body back, each of which must give exactly `expected`. */
async function expectBodyReadsBack(row: CaptureRow, expected: Buffer): Promise<void> {
  const detail = await getRequestOrThrow(row.binId, row.id);
  expect(detail.size).toBe(expected.length);
  expect(Buffer.from(detail.bodyBase64, "base64").equals(expected)).toBe(true);
  const raw = await getRequestBodyOrThrow(row.binId, row.id);
  expect(raw.size).toBe(expected.length);
  expect((await readAll(raw.body)).equals(expected)).toBe(true);
  const { captures } = getStorage();
  const selected = (await captures.detail(row.binId, row.id))!.body;
  expect(Buffer.from(await captures.readBody(selected)).equals(expected)).toBe(true);
}

describe("chunked storage of large bodies", () => {
  it("stores a body that arrived in socket-sized pieces as chunk rows and reads it back byte-exact", async () => {
    const pieces = [randomBytes(65_536), randomBytes(65_536), randomBytes(300_000), randomBytes(7)];
    const whole = Buffer.concat(pieces);
    const row = captureRow({ body: pieces });
    await store.insertAll([row]);

    // Pieces are written as they came (views, no joining); only one above a chunk's size is split.
    expect(stored(row.id)).toEqual({ inline: 0, chunks: [65_536, 65_536, defaultBodyChunkBytes, 300_000 - defaultBodyChunkBytes, 7] });
    await expectBodyReadsBack(row, whole);
  });

  it.each([
    { name: "empty", size: 0, chunks: [] as number[] },
    { name: "exactly the inline limit", size: defaultInlineBodyBytes, chunks: [] },
    { name: "one byte over the inline limit", size: defaultInlineBodyBytes + 1, chunks: [defaultBodyChunkBytes, 1] },
    {
      name: "an exact multiple of the chunk size",
      size: 3 * defaultBodyChunkBytes,
      chunks: [defaultBodyChunkBytes, defaultBodyChunkBytes, defaultBodyChunkBytes],
    },
  ])("keeps chunk boundaries right for a body $name", async ({ size, chunks }) => {
    const body = randomBytes(size);
    const row = captureRow({ body });
    await store.insertAll([row]);
    expect(stored(row.id)).toEqual({ inline: chunks.length === 0 ? size : 0, chunks });
    await expectBodyReadsBack(row, body);
  });

  it("writes all or nothing: a group that fails leaves no chunk rows", async () => {
    const before = chunkRowCount();
    const large = captureRow({ body: randomBytes(defaultInlineBodyBytes * 2) });
    await expect(store.insertAll([large, captureRow({ binId: "NoSuchBinNoSuchBin0000" })])).rejects.toThrow();
    // A large capture whose chunks cannot all be written (a duplicate id) also leaves nothing.
    const existing = captureRow();
    await store.insertAll([existing]);
    await expect(store.insertAll([captureRow({ body: randomBytes(defaultInlineBodyBytes * 2) }), { ...existing }])).rejects.toThrow();
    expect(chunkRowCount()).toBe(before);
    expect(stored(large.id)).toEqual({ inline: -1, chunks: [] });
  });

  it("refuses a row whose size does not match its body, so a reader never sees a short body", async () => {
    const pieces = [randomBytes(defaultInlineBodyBytes), randomBytes(10)];
    const row = captureRow({ body: pieces, size: defaultInlineBodyBytes + 11 });
    await expect(store.insertAll([row])).rejects.toThrow(/size/);
    expect(stored(row.id)).toEqual({ inline: -1, chunks: [] });
  });
});

describe("chunk rows go with their capture", () => {
  const large = () => randomBytes(defaultInlineBodyBytes + 1_000);

  it("when the bin is pruned to its limit on insert", async () => {
    const bin = (await createBin("127.0.0.1")).id;
    const old = buildCaptureRow({ binId: bin, body: large() });
    await store.insertAll([old]);
    expect(stored(old.id).chunks.length).toBe(2);
    await store.insertAll([buildCaptureRow({ binId: bin, maxCaptures: 1 })]);
    expect(stored(old.id)).toEqual({ inline: -1, chunks: [] });
  });

  it("when the retention sweep expires the capture", async () => {
    const bin = (await createBin("127.0.0.1")).id;
    const old = buildCaptureRow({ binId: bin, body: large() });
    const kept = buildCaptureRow({ binId: bin, body: large() });
    await store.insertAll([old, kept]);
    await store.expireCaptures(kept.id, 1_000);
    expect(stored(old.id)).toEqual({ inline: -1, chunks: [] });
    expect(stored(kept.id).chunks.length).toBe(2);
  });

  it("when an idle bin is deleted by the sweep", async () => {
    const bin = (await createBin("127.0.0.1")).id;
    const row = buildCaptureRow({ binId: bin, body: large() });
    await store.insertAll([row]);
    // Idle as of a moment from now, with no capture after this one.
    expect(await store.deleteIdleBin(bin, Date.now() + 60_000, row.id + "Z")).toBe(true);
    expect(stored(row.id)).toEqual({ inline: -1, chunks: [] });
  });

  it("when the capture, all of the bin's captures or the bin are deleted through the API's functions (Prisma)", async () => {
    const bin = (await createBin("127.0.0.1")).id;
    const [one, two, three] = [large(), large(), large()].map((body) => buildCaptureRow({ binId: bin, body }));
    await store.insertAll([one!, two!]);
    await deleteRequest(bin, one!.id);
    expect(stored(one!.id)).toEqual({ inline: -1, chunks: [] });
    expect(stored(two!.id).chunks.length).toBe(2);

    await clearRequests(bin);
    expect(stored(two!.id)).toEqual({ inline: -1, chunks: [] });

    await store.insertAll([three!]);
    await deleteBin(bin);
    expect(stored(three!.id)).toEqual({ inline: -1, chunks: [] });
  });

  it("a reader whose capture went meanwhile gets not_found (or null), never a short body", async () => {
    const row = captureRow({ body: large() });
    await store.insertAll([row]);
    const { captures } = getStorage();
    const selected = (await captures.body(row.binId, row.id))!.body;
    await deleteRequest(row.binId, row.id);
    await expect(captures.readBody(selected)).rejects.toMatchObject({ code: "not_found" });
    expect(await captures.readBodyIfStored(selected)).toBeNull();
  });
});
