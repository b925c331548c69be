import { describe, expect, it } from "vitest";
import { hexDump } from "./body";
import { bodyChunkBytes, bodyShownMaxBytes, canShowMore, shownBytes, shownLabel, textPrefix } from "./body-chunks";

describe("shownBytes", () => {
  it("grows by a chunk per click, never past the body or the cap", () => {
    const tenMiB = 10 * 1024 * 1024;
    expect(shownBytes(tenMiB, 0)).toBe(bodyChunkBytes);
    expect(shownBytes(tenMiB, 2)).toBe(3 * bodyChunkBytes);
    expect(shownBytes(tenMiB, 1000)).toBe(bodyShownMaxBytes);
    expect(shownBytes(100, 0)).toBe(100);
  });

  it("offers more only within the body and below the cap, and labels what is shown", () => {
    expect(canShowMore(bodyChunkBytes, 10 * 1024 * 1024)).toBe(true);
    expect(canShowMore(bodyShownMaxBytes, 10 * 1024 * 1024)).toBe(false);
    expect(canShowMore(100, 100)).toBe(false);
    expect(shownLabel(bodyChunkBytes, 10 * 1024 * 1024)).toBe("Showing the first 64.0 KB of 10.0 MB");
    expect(shownLabel(100, 100)).toBeNull();
  });
});

describe("textPrefix", () => {
  const bytes = new TextEncoder().encode("aé✓😀z"); // 1 + 2 + 3 + 4 + 1 bytes

  it("cuts back to the start of a character, never halfway through one", () => {
    expect(textPrefix(bytes, 1)).toEqual({ text: "a", shown: 1 });
    expect(textPrefix(bytes, 2)).toEqual({ text: "a", shown: 1 });
    expect(textPrefix(bytes, 3)).toEqual({ text: "aé", shown: 3 });
    expect(textPrefix(bytes, 5)).toEqual({ text: "aé", shown: 3 });
    expect(textPrefix(bytes, 9)).toEqual({ text: "aé✓", shown: 6 });
    expect(textPrefix(bytes, 10)).toEqual({ text: "aé✓😀", shown: 10 });
    expect(textPrefix(bytes, 100)).toEqual({ text: "aé✓😀z", shown: 11 });
  });

  it("cuts stray continuation bytes (not UTF-8) where asked, without looping back", () => {
    const stray = new Uint8Array([0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x42]);
    expect(textPrefix(stray, 5).shown).toBe(5);
  });

  it("takes the first chunk of a 10 MiB body without decoding the rest", () => {
    const big = new Uint8Array(10 * 1024 * 1024).fill(0x61);
    const { text, shown } = textPrefix(big, bodyChunkBytes);
    expect(shown).toBe(bodyChunkBytes);
    expect(text).toHaveLength(bodyChunkBytes);
  });
});

describe("hexDump of a chunk", () => {
  it("prints exactly the rows of the bytes shown", () => {
    const chunk = new Uint8Array(10 * 1024 * 1024).subarray(0, shownBytes(10 * 1024 * 1024, 0));
    const lines = hexDump(chunk).split("\n");
    expect(lines).toHaveLength(bodyChunkBytes / 16);
    expect(lines.at(-1)).toMatch(/^0000fff0 {2}00 00/);
  });
});
