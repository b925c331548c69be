import { describe, expect, it } from "vitest";
import { bytesToBase64 } from "./body.ts";
import { formatHeaderLines, parseHeaderLines } from "./forward-headers.ts";

describe("header lines", () => {
  it("round-trip order, case, duplicates and colons inside values", () => {
    const headers: [string, string][] = [
      ["X-B", "2"],
      ["x-a", "1"],
      ["X-Dup", "one"],
      ["X-Dup", "two"],
      ["Stripe-Signature", "t=1,v1=abc:def"],
    ];
    expect(parseHeaderLines(formatHeaderLines(headers))).toEqual({ headers });
  });

  it("skips blank lines, trims optional whitespace and names the line that does not parse", () => {
    expect(parseHeaderLines("\n  A:  spaced  \r\n\nB:\n")).toEqual({
      headers: [
        ["A", "spaced"],
        ["B", ""],
      ],
    });
    expect(parseHeaderLines("A: 1\nno colon here")).toEqual({ problem: "Header line 2 is not “Name: value”: no colon here" });
    expect(parseHeaderLines("bad name: 1")).toMatchObject({ problem: expect.stringContaining("line 1") });
  });
});

describe("bytesToBase64", () => {
  it("encodes every byte value, and bodies larger than one slice", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(bytesToBase64(all)).toBe(Buffer.from(all).toString("base64"));
    const large = Uint8Array.from({ length: 100_001 }, (_, i) => (i * 7) & 255);
    expect(bytesToBase64(large)).toBe(Buffer.from(large).toString("base64"));
  });
});
