import { describe, expect, it } from "vitest";
import { formatCount, formatDateTime, formatTime, formatUtcDateTime, formatUtcTime } from "./format";

// Midnight, noon, a summer and a winter date (daylight saving), and a moment with milliseconds.
const moments = [Date.UTC(2026, 0, 1, 0, 0, 0), Date.UTC(2026, 6, 15, 12, 0, 0), Date.UTC(2026, 10, 23, 17, 55, 36, 835), 1_795_456_516_236];

describe("formatTime and formatDateTime", () => {
  it("read exactly as toLocaleTimeString and toLocaleString do", () => {
    for (const moment of moments) {
      expect(formatTime(moment)).toBe(new Date(moment).toLocaleTimeString());
      expect(formatDateTime(moment)).toBe(new Date(moment).toLocaleString());
    }
  });
});

describe("formatUtcTime and formatUtcDateTime", () => {
  it("write the moment in UTC to the second, whatever the machine's zone", () => {
    expect(formatUtcTime(Date.UTC(2026, 10, 23, 7, 5, 36, 835))).toBe("07:05:36 UTC");
    expect(formatUtcDateTime(Date.UTC(2026, 10, 23, 7, 5, 36, 835))).toBe("2026-11-23 07:05:36 UTC");
    expect(formatUtcDateTime(Date.UTC(2026, 0, 1))).toBe("2026-01-01 00:00:00 UTC");
  });
});

describe("formatCount", () => {
  it("groups digits as en-US does", () => {
    for (const value of [0, 7, 999, 1_000, 12_345, 100_000, 1_000_000, 123_456_789, 100_000_000]) {
      expect(formatCount(value)).toBe(new Intl.NumberFormat("en-US").format(value));
    }
  });
});
