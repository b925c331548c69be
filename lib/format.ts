/**
 * Times and counts as the pages show them.
 *
 * The reader's locale and time zone are the browser's, which the
 * server does not know: a page arrives with times in UTC and the browser rewrites them
 * (components/ui/local-time.tsx).
 *
 * The browser's formatters are made once, on first use. Date#toLocaleTimeString builds
 * a new one on every call (a bin page's 50 rows took Chromium 30–90 ms here, on every
 * render of the list), and the first formatter of a page pays ICU's start-up, 40–180 ms
 * on this machine, which is why none is made while the page's scripts load.
 */
let timeOnly: Intl.DateTimeFormat | undefined;
let dateAndTime: Intl.DateTimeFormat | undefined;

/** Like `new Date(epochMs).toLocaleTimeString()`. */
export function formatTime(epochMs: number): string {
  timeOnly ??= new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "numeric", second: "numeric" });
  return timeOnly.format(epochMs);
}

/** Like `new Date(epochMs).toLocaleString()`. */
export function formatDateTime(epochMs: number): string {
  dateAndTime ??= new Intl.DateTimeFormat(undefined, {
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
  return dateAndTime.format(epochMs);
}

/** "17:55:36 UTC", the same on every machine. */
export function formatUtcTime(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(11, 19)} UTC`;
}

/** "2026-11-23 17:55:36 UTC", the same on every machine. */
export function formatUtcDateTime(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** "100,000": digits grouped by three, as en-US writes them, without starting ICU for it. */
export function formatCount(value: number): string {
  return String(Math.trunc(value)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

const relativeFormats = new Map<string, Intl.RelativeTimeFormat>();

// The largest unit that fits, as "2 min. ago" wants it: seconds up to a minute, and so on.
const relativeUnits: [Intl.RelativeTimeFormatUnit, number][] = [
  ["second", 60],
  ["minute", 60],
  ["hour", 24],
  ["day", 7],
  ["week", 4.345],
  ["month", 12],
  ["year", Infinity],
];

/**
 * "now", "12 sec. ago", "2 min. ago", "yesterday", "3 wk. ago": how long before `nowMs`
 * the moment was, in the reader's locale (or `locale`). A moment a little ahead of
 * `nowMs` (another machine's clock) reads "now" rather than "in 2 sec.".
 */
export function formatRelativeTime(epochMs: number, nowMs: number, locale?: string): string {
  const key = locale ?? "";
  let format = relativeFormats.get(key);
  if (!format) {
    format = new Intl.RelativeTimeFormat(locale, { numeric: "auto", style: "short" });
    relativeFormats.set(key, format);
  }
  let amount = Math.max(0, nowMs - epochMs) / 1000;
  // Under 5 seconds is "now": a count that changes every second says nothing more.
  if (amount < 5) return format.format(0, "second");
  for (const [unit, perNext] of relativeUnits) {
    if (amount < perNext) return format.format(-Math.floor(amount), unit);
    amount /= perNext;
  }
  return format.format(-Math.floor(amount), "year");
}
