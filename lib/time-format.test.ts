import { describe, expect, it } from "vitest";
import { formatDateTime, formatTime } from "./time-format";

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
