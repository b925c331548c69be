import { describe, expect, it } from "vitest";
import { base64ToBytes, decodeText, downloadExtension, formatBytes, hexDump, jsonTreeRefusal, queryPairs, viewBody } from "./body";

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
    expect(view).toMatchObject({
      kind: "form",
      fields: [
        ["a", "1"],
        ["b", "two words"],
        ["a", "<x>"],
      ],
    });
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
    expect(queryPairs("x=1&y=&x=2&flag")).toEqual([
      ["x", "1"],
      ["y", ""],
      ["x", "2"],
      ["flag", ""],
    ]);
  });

  it("formats sizes", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(10 * 1024 * 1024)).toBe("10.0 MB");
  });
});

describe("jsonTreeRefusal", () => {
  const refusal = (text: string) => jsonTreeRefusal(text);
  const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

  it("lets ordinary JSON through", () => {
    expect(refusal('{"id":"evt_1","amount":1999,"created":1700000000000,"ratio":0.25,"tags":["a"],"n":null}')).toBeNull();
  });

  it("lets deep and large values through: the tree renders only what is in view", () => {
    expect(refusal(nested(100_000))).toBeNull();
    expect(refusal(JSON.stringify(Array.from({ length: 100_000 }, (_, i) => i)))).toBeNull();
  });

  it("refuses numbers JSON.parse would change, and only those", () => {
    expect(refusal('{"id":12345678901234567890}')).toMatch(/12345678901234567890 has more digits/);
    expect(refusal("[0.1000000000000000000001]")).toMatch(/0\.1000000000000000000001/);
    expect(refusal("[-123456789012345678]")).toMatch(/-123456789012345678/);
    // Exact however they are written, or digits inside a string.
    expect(refusal('[1.50000000000000000000, 1e21, 100000000000000000000000, 999999999999999, "12345678901234567890"]')).toBeNull();
    expect(refusal('{"a\\"12345678901234567890":1}')).toBeNull();
  });

  it("decides which views a JSON body offers", () => {
    const view = viewBody(new TextEncoder().encode('{"id":12345678901234567890}'), "application/json");
    expect(view).toMatchObject({ kind: "json", treeRefusal: expect.stringContaining("12345678901234567890") });
  });
});

describe("downloadExtension", () => {
  it("names passive formats and keeps anything that would render or run as .bin", () => {
    expect(downloadExtension("application/json; charset=utf-8")).toBe("json");
    expect(downloadExtension("application/vnd.api+json")).toBe("json");
    expect(downloadExtension("text/plain")).toBe("txt");
    expect(downloadExtension("application/x-www-form-urlencoded")).toBe("txt");
    expect(downloadExtension("text/csv")).toBe("csv");
    for (const type of ["text/html", "image/svg+xml", "application/xml", "text/javascript", "application/octet-stream", null]) {
      expect(downloadExtension(type)).toBe("bin");
    }
  });
});
