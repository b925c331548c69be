import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isMultipartType as isMultipart } from "../../parts.ts";
import { maxMultipartParts, multipartBoundary, parseMultipartBody, type MultipartParse } from "./multipart.ts";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const pixel = fixture("pixel.png");
const notes = fixture("notes.txt");

function contentOf(body: Uint8Array, parsed: MultipartParse, index: number): Buffer {
  const part = parsed.parts[index]!;
  return Buffer.from(body.subarray(part.offset, part.offset + part.size));
}

describe("isMultipart and multipartBoundary", () => {
  it("recognise multipart types and read quoted and bare boundaries", () => {
    expect(isMultipart("multipart/form-data; boundary=x")).toBe(true);
    expect(isMultipart("Multipart/Related; type=application/json; boundary=x")).toBe(true);
    expect(isMultipart("application/json")).toBe(false);
    expect(isMultipart("multipartish/x")).toBe(false);
    expect(isMultipart(null)).toBe(false);
    expect(multipartBoundary('multipart/mixed; boundary="a b:c"; charset=utf-8')).toEqual({ boundary: "a b:c" });
    expect(multipartBoundary("multipart/mixed;boundary=abc ; x=y")).toEqual({ boundary: "abc" });
    expect(multipartBoundary("multipart/form-data")).toEqual({ problem: "its Content-Type has no boundary parameter" });
    expect(multipartBoundary(`multipart/form-data; boundary=${"x".repeat(71)}`)).toMatchObject({ problem: expect.stringContaining("not a valid one") });
  });
});

describe("parseMultipartBody", () => {
  it("lists every part of a real curl -F upload, with byte-exact contents and headers in wire order", () => {
    const body = fixture("curl-form.multipart");
    const parsed = parseMultipartBody(body, fixture("curl-form.content-type").toString());
    expect(parsed.error).toBeNull();
    expect(parsed.boundary).toBe("------------------------c4bd7761e20e9cdf");
    expect(parsed.parts.map(({ index, name, filename, contentType, size }) => ({ index, name, filename, contentType, size }))).toEqual([
      { index: 0, name: "note", filename: null, contentType: null, size: "hello from curl".length },
      { index: 1, name: "empty", filename: null, contentType: null, size: 0 },
      { index: 2, name: "pixel", filename: "pixel.png", contentType: "image/png", size: pixel.length },
      { index: 3, name: "notes", filename: "notes.txt", contentType: "text/plain", size: notes.length },
      { index: 4, name: "caf", filename: "café ☕.txt", contentType: "text/plain", size: notes.length },
    ]);
    expect(contentOf(body, parsed, 0).toString()).toBe("hello from curl");
    expect(contentOf(body, parsed, 2).equals(pixel)).toBe(true);
    // The CRLF inside the file and its bare LF ending are content, not framing.
    expect(contentOf(body, parsed, 3).equals(notes)).toBe(true);
    expect(parsed.parts[2]!.headers).toEqual([
      ["Content-Disposition", 'form-data; name="pixel"; filename="pixel.png"'],
      ["Content-Type", "image/png"],
    ]);
  });

  it("reads a real Go mime/multipart upload: 60-hex boundary, sorted headers, octet-stream files", () => {
    const body = fixture("go-multipart.multipart");
    const parsed = parseMultipartBody(body, fixture("go-multipart.content-type").toString());
    expect(parsed.error).toBeNull();
    expect(parsed.boundary).toMatch(/^[0-9a-f]{60}$/);
    expect(parsed.parts).toHaveLength(2);
    expect(parsed.parts[1]).toMatchObject({ name: "payload", filename: "payload.bin", contentType: "application/octet-stream", size: 8 });
    expect(contentOf(body, parsed, 0).toString()).toBe('{"type":"push"}');
    expect(contentOf(body, parsed, 1).equals(Buffer.from([0, 1, 2, 13, 10, 45, 45, 255]))).toBe(true);
  });

  it("reads a real Python requests (urllib3) upload: 32-hex boundary, untyped plain fields", () => {
    const body = fixture("python-requests.multipart");
    const parsed = parseMultipartBody(body, fixture("python-requests.content-type").toString());
    expect(parsed.error).toBeNull();
    expect(parsed.boundary).toMatch(/^[0-9a-f]{32}$/);
    expect(parsed.parts.map((part) => [part.name, part.filename, part.contentType])).toEqual([
      ["user", null, null],
      ["avatar", "pixel.png", "image/png"],
    ]);
    expect(contentOf(body, parsed, 0).toString()).toBe("ada");
    expect(contentOf(body, parsed, 1).equals(pixel)).toBe(true);
  });

  it("reads multipart/related and multipart/mixed with a preamble and an epilogue", () => {
    const body = Buffer.from(
      'This is a preamble.\r\n--rel\r\nContent-Type: application/json\r\nContent-ID: <root>\r\n\r\n{"a":1}\r\n--rel\r\nContent-Type: text/plain\r\n\r\nsecond\r\n--rel--\r\nepilogue',
    );
    for (const type of ["multipart/related; type=application/json; boundary=rel", "multipart/mixed; boundary=rel"]) {
      const parsed = parseMultipartBody(body, type);
      expect(parsed.error).toBeNull();
      expect(parsed.parts.map((part) => contentOf(body, parsed, part.index).toString())).toEqual(['{"a":1}', "second"]);
      expect(parsed.parts[0]!.headers).toEqual([
        ["Content-Type", "application/json"],
        ["Content-ID", "<root>"],
      ]);
    }
  });

  it("keeps the parts before a cut-off part and says where it stopped", () => {
    const body = fixture("curl-form.multipart");
    const cut = body.subarray(0, body.indexOf(Buffer.from("IEND")));
    const parsed = parseMultipartBody(cut, fixture("curl-form.content-type").toString());
    expect(parsed.parts.map((part) => part.name)).toEqual(["note", "empty"]);
    expect(parsed.error).toMatch(/^The body ends before its closing boundary "--------------------------c4bd7761e20e9cdf--": part 3 is cut off/);
  });

  it("says so when the closing boundary is missing", () => {
    const body = Buffer.from('--b\r\nContent-Disposition: form-data; name="a"\r\n\r\none\r\n--b\r\nContent-Disposition: form-data; name="b"\r\n\r\ntwo\r\n');
    const parsed = parseMultipartBody(body, "multipart/form-data; boundary=b");
    expect(parsed.parts.map((part) => part.name)).toEqual(["a"]);
    expect(parsed.error).toContain("closing boundary");
  });

  it("reports a boundary that is missing, invalid or not in the body, with no parts", () => {
    const body = fixture("curl-form.multipart");
    expect(parseMultipartBody(body, "multipart/form-data")).toEqual({
      boundary: null,
      parts: [],
      error: "The body cannot be split into parts: its Content-Type has no boundary parameter.",
    });
    expect(parseMultipartBody(body, "multipart/form-data; boundary=not-the-one")).toEqual({
      boundary: "not-the-one",
      parts: [],
      error: 'The boundary "--not-the-one" never appears in the body.',
    });
    expect(parseMultipartBody(Buffer.from(""), "multipart/form-data; boundary=b").parts).toEqual([]);
  });

  it("stops at an oversized part header block", () => {
    const body = Buffer.from(`--b\r\nX-Long: ${"a".repeat(9000)}\r\n\r\nx\r\n--b--\r\n`);
    expect(parseMultipartBody(body, "multipart/form-data; boundary=b").error).toBe("The headers of part 1 are longer than 8192 bytes: parsing stopped there.");
  });

  it(`lists at most ${maxMultipartParts} parts and says so`, () => {
    const one = '--b\r\nContent-Disposition: form-data; name="f"\r\n\r\nv\r\n';
    const body = Buffer.from(`${one.repeat(maxMultipartParts + 5)}--b--\r\n`);
    const parsed = parseMultipartBody(body, "multipart/form-data; boundary=b");
    expect(parsed.parts).toHaveLength(maxMultipartParts);
    expect(parsed.error).toBe(`The body has more than ${maxMultipartParts} parts: only the first ${maxMultipartParts} are listed.`);
  });

  it("lists a part whose headers are not UTF-8, with the bad bytes shown as replacement characters", () => {
    const body = Buffer.concat([
      Buffer.from('--b\r\nContent-Disposition: form-data; name="'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"\r\n\r\nv\r\n--b--\r\n'),
    ]);
    const parsed = parseMultipartBody(body, "multipart/form-data; boundary=b");
    expect(parsed.error).toBeNull();
    expect(parsed.parts[0]).toMatchObject({ name: null, size: 1, headers: [["Content-Disposition", 'form-data; name="\ufffd\ufffd"']] });
  });
});
