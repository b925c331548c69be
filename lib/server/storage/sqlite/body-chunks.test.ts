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

describe("reading a stored body back", () => {
  it.each([
    { name: "that arrived in socket-sized pieces", body: () => [randomBytes(65_536), randomBytes(65_536), randomBytes(300_000), randomBytes(7)] },
    { name: "empty", body: () => [Buffer.alloc(0)] },
    { name: "of exactly the inline limit", body: () => [randomBytes(defaultInlineBodyBytes)] },
    { name: "one byte over the inline limit", body: () => [randomBytes(defaultInlineBodyBytes + 1)] },
    { name: "of an exact multiple of the chunk size", body: () => [randomBytes(3 * defaultBodyChunkBytes)] },
  ])("gives every reader a body $name byte-exact", async ({ body }) => {
    const pieces = body();
    const row = captureRow({ body: pieces });
    await store.insertAll([row]);
    await expectBodyReadsBack(row, Buffer.concat(pieces));
  });
});

describe("chunk rows go with their capture", () => {
  const large = () => randomBytes(defaultInlineBodyBytes + 1_000);

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
