import { readFileSync } from "node:fs";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MultipartList } from "@/lib/types";
import { api, captureOk, createBin, getRaw, getRequest, request, tokenOf } from "../support/factories";
import { startTestServer, type TestServer } from "../support/server";

const fixture = (name: string) => readFileSync(new URL(`../../lib/server/decoding/fixtures/${name}`, import.meta.url));
const curlForm = fixture("curl-form.multipart");
const curlFormType = fixture("curl-form.content-type").toString();
const pixel = fixture("pixel.png");
const event = Buffer.from(JSON.stringify({ type: "invoice.paid", data: Array.from({ length: 300 }, (_, i) => ({ i, status: "paid" })) }));
const sandboxed = { "content-security-policy": "sandbox; default-src 'none'", "x-content-type-options": "nosniff", "cache-control": "no-store" };

/** A multipart body from parts given as raw header lines and content. */
function multipart(boundary: string, parts: { headers: string[]; content: Buffer | string }[]): Buffer {
  return Buffer.concat([
    ...parts.flatMap((part) => [Buffer.from(`--${boundary}\r\n${part.headers.join("\r\n")}\r\n\r\n`), Buffer.from(part.content), Buffer.from("\r\n")]),
    Buffer.from(`--${boundary}--\r\n`),
  ]);
}

describe("Content-Encoding and multipart views", () => {
  let server: TestServer;
  let binId: string;
  const get = (path: string, query = "") =>
    request(server.baseUrl, { path: `/api/bins/${binId}/requests/${path}${query}`, headers: { Authorization: `Bearer ${tokenOf(binId)}` } });

  beforeAll(async () => {
    server = await startTestServer();
    binId = (await createBin(server.baseUrl)).id;
  });
  afterAll(() => server.dispose());

  it("describes a gzip body in the detail, serves it as received, and decoded beside it", async () => {
    const gzipped = zlib.gzipSync(event);
    const id = await captureOk(server.baseUrl, binId, { headers: { "Content-Type": "application/json", "Content-Encoding": "gzip" }, body: gzipped });

    const detail = await getRequest(server.baseUrl, binId, id);
    expect(detail.encoding).toEqual({ codings: ["gzip"], encodedSize: gzipped.length, decodedSize: event.length, error: null });
    expect(Buffer.from(detail.bodyBase64, "base64").equals(gzipped)).toBe(true);

    const raw = await getRaw(server.baseUrl, binId, id);
    expect(raw.body.equals(gzipped)).toBe(true);

    const decoded = await getRaw(server.baseUrl, binId, id, "decoded=1");
    expect(decoded.status).toBe(200);
    expect(decoded.body.equals(event)).toBe(true);
    expect(decoded.headers).toMatchObject({ "content-type": "application/json", ...sandboxed });
    expect(decoded.headers["content-encoding"]).toBeUndefined();
    expect(decoded.headers["content-disposition"]).toBeUndefined();

    const download = await getRaw(server.baseUrl, binId, id, "decoded=1&download=1");
    expect(download.headers["content-disposition"]).toBe(`attachment; filename="${id}.decoded.json"`);
    expect(download.body.equals(event)).toBe(true);
  });

  it("undoes stacked codings in reverse and deflate without its zlib wrapper", async () => {
    const stacked = zlib.brotliCompressSync(zlib.gzipSync(event));
    const id = await captureOk(server.baseUrl, binId, { headers: { "Content-Type": "application/json", "Content-Encoding": "gzip, br" }, body: stacked });
    expect((await getRequest(server.baseUrl, binId, id)).encoding).toEqual({
      codings: ["gzip", "br"],
      encodedSize: stacked.length,
      decodedSize: event.length,
      error: null,
    });
    expect((await getRaw(server.baseUrl, binId, id, "decoded=1")).body.equals(event)).toBe(true);

    const raw = await captureOk(server.baseUrl, binId, { headers: { "Content-Encoding": "deflate" }, body: zlib.deflateRawSync(event) });
    expect((await getRaw(server.baseUrl, binId, raw, "decoded=1")).body.equals(event)).toBe(true);
  });

  it("refuses a zip bomb at the decoding cap, with the reason in the detail and a 422 for the decoded body", async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(20 * 1024 * 1024), { level: 9 });
    const id = await captureOk(server.baseUrl, binId, { headers: { "Content-Type": "application/json", "Content-Encoding": "gzip" }, body: bomb });
    const reason = "expands past the decoding cap of 16777216 bytes (MAX_DECODED_BODY_BYTES)";
    expect((await getRequest(server.baseUrl, binId, id)).encoding).toEqual({ codings: ["gzip"], encodedSize: bomb.length, decodedSize: null, error: reason });
    const refused = await getRaw(server.baseUrl, binId, id, "decoded=1");
    expect(refused.status).toBe(422);
    expect(refused.json).toEqual({ error: "unprocessable_content", message: `The body's Content-Encoding (gzip) does not decode: ${reason}.` });
  });

  it("says why a body that is not what its coding claims does not decode, and has no encoding without the header", async () => {
    const liar = await captureOk(server.baseUrl, binId, { headers: { "Content-Encoding": "gzip" }, body: "not gzip at all" });
    expect((await getRequest(server.baseUrl, binId, liar)).encoding).toMatchObject({ decodedSize: null, error: "not valid gzip: incorrect header check" });

    const unknown = await captureOk(server.baseUrl, binId, { headers: { "Content-Encoding": "zstd" }, body: "x" });
    expect((await getRequest(server.baseUrl, binId, unknown)).encoding?.error).toBe('the coding "zstd" is not one Hookyard decodes (gzip, deflate, br)');

    for (const headers of [{ "Content-Type": "application/json" }, { "Content-Encoding": "identity" }]) {
      const plain = await captureOk(server.baseUrl, binId, { headers, body: event });
      expect((await getRequest(server.baseUrl, binId, plain)).encoding).toBeNull();
      const refused = await getRaw(server.baseUrl, binId, plain, "decoded=1");
      expect(refused.status).toBe(422);
      expect(refused.json).toEqual({ error: "unprocessable_content", message: "This capture has no Content-Encoding: its body is as received." });
    }
  });

  it("lists a curl -F upload's parts and serves each byte-exact under its own name", async () => {
    const id = await captureOk(server.baseUrl, binId, { headers: { "Content-Type": curlFormType }, body: curlForm });
    const listed = await get(`${id}/parts`);
    expect(listed.status).toBe(200);
    const parts = listed.json as MultipartList;
    expect(parts.error).toBeNull();
    expect(parts.decoded).toBe(false);
    expect(parts.parts.map((part) => [part.index, part.name, part.filename, part.contentType, part.size])).toEqual([
      [0, "note", null, null, 15],
      [1, "empty", null, null, 0],
      [2, "pixel", "pixel.png", "image/png", pixel.length],
      [3, "notes", "notes.txt", "text/plain", 24],
      [4, "caf", "café ☕.txt", "text/plain", 24],
    ]);
    expect(parts.parts[2]!.headers).toEqual([
      ["Content-Disposition", 'form-data; name="pixel"; filename="pixel.png"'],
      ["Content-Type", "image/png"],
    ]);

    const image = await get(`${id}/parts/2`);
    expect(image.status).toBe(200);
    expect(image.body.equals(pixel)).toBe(true);
    expect(image.headers).toMatchObject({ "content-type": "image/png", "content-disposition": 'attachment; filename="pixel.png"', ...sandboxed });
    const preview = await get(`${id}/parts/2`, "?inline=1");
    expect(preview.headers).toMatchObject({ "content-type": "image/png", "content-disposition": 'inline; filename="pixel.png"' });

    const field = await get(`${id}/parts/0`);
    expect(field.body.toString()).toBe("hello from curl");
    expect(field.headers).toMatchObject({ "content-type": "application/octet-stream", "content-disposition": `attachment; filename="${id}-part-1.bin"` });
    expect((await get(`${id}/parts/1`)).body).toHaveLength(0);

    const accented = await get(`${id}/parts/4`);
    expect(accented.headers["content-disposition"]).toBe("attachment; filename=\"caf_ _.txt\"; filename*=UTF-8''caf%C3%A9%20%E2%98%95.txt");
    expect(accented.body.equals(fixture("notes.txt"))).toBe(true);
  });

  it("serves hostile parts as inert downloads: HTML and SVG as octet-stream attachments, names sanitised, even asked inline", async () => {
    const body = multipart("hostile", [
      {
        headers: ['Content-Disposition: form-data; name="page"; filename="../../index.html"', "Content-Type: text/html"],
        content: "<script>window.__pwned=1</script>",
      },
      {
        headers: ['Content-Disposition: form-data; name="logo"; filename="logo.svg"', "Content-Type: image/svg+xml"],
        content: '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
      },
      { headers: ['Content-Disposition: form-data; name="fake"; filename="a\\"b.png"', "Content-Type: image/png"], content: "<html>not a png</html>" },
    ]);
    const id = await captureOk(server.baseUrl, binId, { headers: { "Content-Type": "multipart/form-data; boundary=hostile" }, body });
    const expected = [
      ["index.html", "<script>window.__pwned=1</script>"],
      ["logo.svg", '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'],
      ["a_b.png", "<html>not a png</html>"],
    ];
    for (const [index, [filename, content]] of expected.entries()) {
      const served = await get(`${id}/parts/${index}`, "?inline=1");
      expect(served.status).toBe(200);
      expect(served.headers).toMatchObject({
        "content-type": "application/octet-stream",
        "content-disposition": `attachment; filename="${filename}"`,
        ...sandboxed,
      });
      expect(served.body.toString()).toBe(content);
    }
  });

  it("reads the parts of a gzip-encoded multipart body from its decoded bytes", async () => {
    const id = await captureOk(server.baseUrl, binId, { headers: { "Content-Type": curlFormType, "Content-Encoding": "gzip" }, body: zlib.gzipSync(curlForm) });
    const parts = (await get(`${id}/parts`)).json as MultipartList;
    expect(parts.decoded).toBe(true);
    expect(parts.parts).toHaveLength(5);
    expect((await get(`${id}/parts/2`)).body.equals(pixel)).toBe(true);

    const broken = await captureOk(server.baseUrl, binId, { headers: { "Content-Type": curlFormType, "Content-Encoding": "br" }, body: curlForm });
    const refused = await get(`${broken}/parts`);
    expect(refused.status).toBe(422);
    expect(refused.json).toMatchObject({ error: "unprocessable_content", message: expect.stringContaining("does not decode: not valid Brotli") });
  });

  it("lists what parsed of a truncated body with the reason, and 404s for parts beyond it", async () => {
    const id = await captureOk(server.baseUrl, binId, { headers: { "Content-Type": curlFormType }, body: curlForm.subarray(0, 400) });
    const parts = (await get(`${id}/parts`)).json as MultipartList;
    expect(parts.parts.map((part) => part.name)).toEqual(["note", "empty"]);
    expect(parts.error).toMatch(/closing boundary .* part 3 is cut off/);
    expect((await get(`${id}/parts/2`)).status).toBe(404);
    expect((await get(`${id}/parts/99`)).json).toMatchObject({ error: "not_found" });
    expect((await get(`${id}/parts/abc`)).status).toBe(404);
  });

  it("answers 422 for the parts of a capture that is not multipart, and 404 without the bin's token", async () => {
    const id = await captureOk(server.baseUrl, binId, { headers: { "Content-Type": "application/json" }, body: event });
    const refused = await get(`${id}/parts`);
    expect(refused.status).toBe(422);
    expect(refused.json).toEqual({ error: "unprocessable_content", message: "This capture is not multipart (its Content-Type is application/json)." });
    expect((await get(`${id}/parts/0`)).status).toBe(422);

    const form = await captureOk(server.baseUrl, binId, { headers: { "Content-Type": curlFormType }, body: curlForm });
    for (const path of [`${form}/parts`, `${form}/parts/2`, `${form}/raw?decoded=1`]) {
      // fetch: the helpers would add the owner's token.
      expect((await fetch(`${server.baseUrl}/api/bins/${binId}/requests/${path}`)).status).toBe(404);
    }
    // A read-only link reads parts as it reads bodies.
    const link = await api(server.baseUrl, `/api/bins/${binId}/links`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    const viewer = (link.json as { token: string }).token;
    const asViewer = await request(server.baseUrl, { path: `/api/bins/${binId}/requests/${form}/parts/2`, headers: { Authorization: `Bearer ${viewer}` } });
    expect(asViewer.body.equals(pixel)).toBe(true);
  });
});
