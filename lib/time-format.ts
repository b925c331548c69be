/**
 * Times shown on screen, in the reader's locale and time zone. Date#toLocaleTimeString
 * builds a new formatter on every call: a bin page's 50 rows took 30–90 ms of
 * Chromium's main thread here, again on every re-render as captures land. One formatter
 * each, made once, with the same defaults as toLocaleTimeString and toLocaleString.
 */
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "numeric", second: "numeric" });
const dateAndTime = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });

/** Like `new Date(epochMs).toLocaleTimeString()`. */
export function formatTime(epochMs: number): string {
  return timeOnly.format(epochMs);
}

/** Like `new Date(epochMs).toLocaleString()`. */
export function formatDateTime(epochMs: number): string {
  return dateAndTime.format(epochMs);
}
