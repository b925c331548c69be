import { describe, expect, it } from "vitest";
import { formatCount, formatDateTime, formatRelativeTime, formatTime, formatUtcDateTime, formatUtcTime } from "./format";

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

describe("formatRelativeTime", () => {
  const now = Date.UTC(2026, 10, 23, 17, 55, 36, 835);
  const ago = (ms: number) => formatRelativeTime(now - ms, now, "en");
  const second = 1000;
  const minute = 60 * second;
  const hour = 60 * minute;
  const day = 24 * hour;

  it("counts in the largest unit that fits, rounding down", () => {
    expect(ago(0)).toBe("now");
    expect(ago(4 * second)).toBe("now");
    expect(ago(12 * second + 900)).toBe("12 sec. ago");
    expect(ago(59 * second)).toBe("59 sec. ago");
    expect(ago(60 * second)).toBe("1 min. ago");
    expect(ago(2 * minute + 59 * second)).toBe("2 min. ago");
    expect(ago(hour)).toBe("1 hr. ago");
    expect(ago(23 * hour)).toBe("23 hr. ago");
    expect(ago(day + hour)).toBe("yesterday");
    expect(ago(3 * day)).toBe("3 days ago");
    expect(ago(15 * day)).toBe("2 wk. ago");
    expect(ago(45 * day)).toBe("last mo.");
    expect(ago(400 * day)).toBe("last yr.");
    expect(ago(3 * 366 * day)).toBe("3 yr. ago");
  });

  it("reads a moment slightly in the future (another clock) as now", () => {
    expect(formatRelativeTime(now + 3 * second, now, "en")).toBe("now");
  });

  it("speaks the reader's language", () => {
    expect(formatRelativeTime(now - 2 * minute, now, "de")).toBe("vor 2 Min.");
    expect(formatRelativeTime(now - 2 * minute, now, "en-GB")).toBe("2 min ago");
  });
});
