import { describe, expect, it } from "vitest";
import { base64ToBytes, decodeText, formatBytes, hexDump, queryPairs, viewBody } from "./body";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("viewBody", () => {
  it("parses JSON by content type, including +json types", () => {
    expect(viewBody(bytes('{"a":[1,2]}'), "application/json; charset=utf-8")).toMatchObject({ kind: "json", value: { a: [1, 2] } });
    expect(viewBody(bytes("[true]"), "application/vnd.api+json")).toMatchObject({ kind: "json", value: [true] });
  });

  it("recognises JSON sent without a JSON content type", () => {
    expect(viewBody(bytes(' {"event":"x"}'), "text/plain")).toMatchObject({ kind: "json", value: { event: "x" } });
  });

  it("shows invalid JSON as the text it is", () => {
    expect(viewBody(bytes('{"broken":'), "application/json")).toEqual({ kind: "text", text: '{"broken":' });
  });

  it("lists form fields in order with duplicates", () => {
    const view = viewBody(bytes("a=1&b=two+words&a=%3Cx%3E"), "application/x-www-form-urlencoded");
    expect(view).toMatchObject({ kind: "form", fields: [["a", "1"], ["b", "two words"], ["a", "<x>"]] });
  });

  it("treats invalid UTF-8 and control bytes as binary", () => {
    expect(viewBody(new Uint8Array([0xc3, 0x28]), "text/plain").kind).toBe("binary");
    expect(viewBody(new Uint8Array([0x41, 0x00, 0x42]), null).kind).toBe("binary");
  });

  it("keeps text with tabs and newlines as text, and reports an empty body", () => {
    expect(viewBody(bytes("line 1\n\tline 2\r\n"), "text/plain")).toEqual({ kind: "text", text: "line 1\n\tline 2\r\n" });
    expect(viewBody(new Uint8Array(), "application/json")).toEqual({ kind: "empty" });
  });
});

describe("decodeText", () => {
  it("decodes multi-byte UTF-8", () => {
    expect(decodeText(bytes("héllo ✓"))).toBe("héllo ✓");
  });
});

describe("hexDump", () => {
  it("prints offset, two groups of eight bytes and printable ASCII", () => {
    const dump = hexDump(new Uint8Array([...bytes("Hello, hex dump!"), 0x00, 0xff]));
    expect(dump.split("\n")).toEqual([
      "00000000  48 65 6c 6c 6f 2c 20 68  65 78 20 64 75 6d 70 21  |Hello, hex dump!|",
      "00000010  00 ff                                             |..|",
    ]);
  });

  it("stops at the limit and says how much is left", () => {
    const dump = hexDump(new Uint8Array(40), 16);
    expect(dump.split("\n")).toHaveLength(2);
    expect(dump).toContain("24 more bytes");
  });
});

describe("helpers", () => {
  it("round-trips base64 for every byte value", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(base64ToBytes(Buffer.from(all).toString("base64"))).toEqual(all);
  });

  it("splits query strings keeping order and duplicates", () => {
    expect(queryPairs("")).toEqual([]);
    expect(queryPairs("x=1&y=&x=2&flag")).toEqual([["x", "1"], ["y", ""], ["x", "2"], ["flag", ""]]);
  });

  it("formats sizes", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(10 * 1024 * 1024)).toBe("10.0 MB");
  });
});
