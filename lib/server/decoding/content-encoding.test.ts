import zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { getConfig } from "../../config.ts";
import { sharedMemoryBudget } from "../capture/memory-budget.ts";
import { contentCodings, decodeContent, maxStackedCodings, viewBodyOf, viewBodyWithinBudget } from "./content-encoding.ts";

const json = Buffer.from(JSON.stringify({ type: "invoice.paid", lines: Array.from({ length: 200 }, (_, i) => ({ i, note: "repeated text" })) }));
const cap = 1024 * 1024;

async function decodedText(body: Uint8Array, codings: string[]): Promise<string> {
  const result = await decodeContent(body, codings, cap);
  if (!result.ok) throw new Error(`expected a decoded body, got: ${result.reason}`);
  return Buffer.from(result.bytes).toString();
}

describe("contentCodings", () => {
  it("lists the codings in the order applied, across several headers, lowercased, without identity", () => {
    expect(
      contentCodings([
        ["Content-Type", "application/json"],
        ["Content-Encoding", " GZip , identity"],
        ["content-encoding", "br"],
      ]),
    ).toEqual(["gzip", "br"]);
    expect(contentCodings([["Content-Encoding", "identity"]])).toEqual([]);
    expect(contentCodings([["Content-Type", "text/plain"]])).toEqual([]);
  });
});

describe("decodeContent", () => {
  it("decodes gzip and x-gzip made by Node's zlib, with both sizes", async () => {
    const gzipped = zlib.gzipSync(json);
    const result = await decodeContent(gzipped, ["gzip"], cap);
    expect(result).toMatchObject({ ok: true, encodings: ["gzip"], encodedSize: gzipped.length, decodedSize: json.length });
    expect(result.ok && Buffer.from(result.bytes).equals(json)).toBe(true);
    expect(await decodedText(gzipped, ["x-gzip"])).toBe(json.toString());
  });

  it("decodes deflate both zlib-wrapped and raw", async () => {
    expect(await decodedText(zlib.deflateSync(json), ["deflate"])).toBe(json.toString());
    expect(await decodedText(zlib.deflateRawSync(json), ["deflate"])).toBe(json.toString());
  });

  it("decodes Brotli", async () => {
    expect(await decodedText(zlib.brotliCompressSync(json), ["br"])).toBe(json.toString());
  });

  it("undoes stacked codings last-applied first: `gzip, br` is gzip, then Brotli over it", async () => {
    const stacked = zlib.brotliCompressSync(zlib.gzipSync(json));
    const result = await decodeContent(stacked, ["gzip", "br"], cap);
    expect(result).toMatchObject({ ok: true, encodings: ["gzip", "br"], encodedSize: stacked.length, decodedSize: json.length });
    // The other order is not the same body: Brotli's layer is the outer one.
    const wrongOrder = await decodeContent(stacked, ["br", "gzip"], cap);
    expect(wrongOrder).toMatchObject({ ok: false, reason: expect.stringMatching(/^gzip layer: not valid gzip/) });
  });

  it("refuses a zip bomb at the cap without expanding it: 20 KB of gzip that would be 20 MiB of zeros", async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(20 * 1024 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThan(25_000);
    const started = performance.now();
    const result = await decodeContent(bomb, ["gzip"], cap);
    expect(result).toEqual({
      ok: false,
      encodings: ["gzip"],
      encodedSize: bomb.length,
      reason: `expands past the decoding cap of ${cap} bytes (MAX_DECODED_BODY_BYTES)`,
    });
    expect(result).not.toHaveProperty("bytes");
    // Stopped at the cap, not after writing all 20 MiB.
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("applies the cap to every layer, Brotli and deflate included", async () => {
    const zeros = Buffer.alloc(cap + 1);
    for (const [coding, body] of [
      ["br", zlib.brotliCompressSync(zeros)],
      ["deflate", zlib.deflateSync(zeros)],
      ["deflate", zlib.deflateRawSync(zeros)],
    ] as const) {
      expect(await decodeContent(body, [coding], cap)).toMatchObject({ ok: false, reason: expect.stringContaining("decoding cap") });
    }
    // Exactly at the cap is still fine.
    expect(await decodeContent(zlib.gzipSync(Buffer.alloc(cap)), ["gzip"], cap)).toMatchObject({ ok: true, decodedSize: cap });
  });

  it("says why truncated or garbage input does not decode, and returns nothing partial", async () => {
    const gzipped = zlib.gzipSync(json);
    expect(await decodeContent(gzipped.subarray(0, gzipped.length - 8), ["gzip"], cap)).toMatchObject({
      ok: false,
      reason: "not valid gzip: unexpected end of file",
    });
    expect(await decodeContent(Buffer.from("plain text, not gzip"), ["gzip"], cap)).toMatchObject({
      ok: false,
      reason: "not valid gzip: incorrect header check",
    });
    expect(await decodeContent(Buffer.from("plain text, not brotli"), ["br"], cap)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^not valid Brotli: /),
    });
    expect(await decodeContent(zlib.brotliCompressSync(json).subarray(0, 10), ["br"], cap)).toMatchObject({
      ok: false,
      reason: "not valid Brotli: unexpected end of file",
    });
    expect(await decodeContent(Buffer.from([0xff, 0xff, 0xff, 0xff]), ["deflate"], cap)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^not valid deflate data, neither zlib-wrapped \(.+\) nor raw \(.+\)$/),
    });
  });

  it("stops at an unknown coding or too many layers, naming it", async () => {
    expect(await decodeContent(Buffer.from("x"), ["gzip", "compress"], cap)).toEqual({
      ok: false,
      encodings: ["gzip", "compress"],
      encodedSize: 1,
      reason: 'the coding "compress" is not one Hookyard decodes (gzip, deflate, br)',
    });
    let layered: Buffer = json;
    const codings = Array.from({ length: maxStackedCodings + 1 }, () => "gzip");
    for (const _ of codings) layered = zlib.gzipSync(layered);
    expect(await decodeContent(layered, codings, cap)).toMatchObject({
      ok: false,
      reason: `5 stacked codings are more than the ${maxStackedCodings} Hookyard undoes`,
    });
    expect(await decodedText(zlib.gzipSync(zlib.gzipSync(json)), ["gzip", "gzip"])).toBe(json.toString());
  });

  it("leaves a body with no coding as it is", async () => {
    expect(await decodeContent(json, [], cap)).toMatchObject({ ok: true, bytes: json, decodedSize: json.length });
  });
});

describe("viewBodyOf", () => {
  it("gives the decoded body and both sizes, or the body as received with the reason, or no encoding at all", async () => {
    const gzipped = zlib.gzipSync(json);
    const decoded = await viewBodyOf([["Content-Encoding", "gzip"]], gzipped, cap);
    expect(decoded).toMatchObject({ decoded: true, encoding: { codings: ["gzip"], encodedSize: gzipped.length, decodedSize: json.length, error: null } });
    expect(Buffer.from(decoded.bytes).equals(json)).toBe(true);

    const bomb = zlib.gzipSync(Buffer.alloc(cap * 2));
    const capped = await viewBodyOf([["content-encoding", "gzip"]], bomb, cap);
    expect(capped).toEqual({
      bytes: bomb,
      decoded: false,
      encoding: {
        codings: ["gzip"],
        encodedSize: bomb.length,
        decodedSize: null,
        error: `expands past the decoding cap of ${cap} bytes (MAX_DECODED_BODY_BYTES)`,
      },
    });

    expect(await viewBodyOf([["Content-Type", "application/json"]], json, cap)).toEqual({ bytes: json, decoded: false, encoding: null });
  });
});

describe("viewBodyWithinBudget", () => {
  it("decodes within the process's memory budget, and sheds with 503 while the budget has no room", async () => {
    const headers: [string, string][] = [["Content-Encoding", "gzip"]];
    const body = zlib.gzipSync("budgeted");
    const budget = sharedMemoryBudget(getConfig().maxBufferedBodyBytes);
    const taken = budget.limit - budget.inUse;
    expect(budget.tryReserve(taken)).toBe(true);
    try {
      await expect(viewBodyWithinBudget(headers, body)).rejects.toMatchObject({ code: "service_unavailable" });
      // A body without an encoding needs no room.
      expect((await viewBodyWithinBudget([], Buffer.from("plain"))).decoded).toBe(false);
    } finally {
      budget.release(taken);
    }
    const view = await viewBodyWithinBudget(headers, body);
    expect(Buffer.from(view.bytes).toString()).toBe("budgeted");
    expect(budget.inUse, "the reservation is given back").toBe(0);
  });
});
