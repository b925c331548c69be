"use client";

import { formatDateTime, formatTime, formatUtcDateTime, formatUtcTime } from "@/lib/format";
import { useHydrated } from "./use-hydrated";

type Props = { epochMs: number; withDate?: boolean; className?: string };

/**
 * A moment in the reader's own locale and time zone. The server renders it in UTC (it
 * cannot know the reader's zone, and hydration must see the same text), and the browser
 * rewrites it once the page is interactive: as a transition, so that ICU's start-up
 * (lib/format.ts) does not hold up the page's first interactive render.
 */
export function LocalTime({ epochMs, withDate = false, className }: Props) {
  const local = useHydrated();
  const text = local ? (withDate ? formatDateTime(epochMs) : formatTime(epochMs)) : withDate ? formatUtcDateTime(epochMs) : formatUtcTime(epochMs);
  return (
    <time className={className} dateTime={new Date(epochMs).toISOString()}>
      {text}
    </time>
  );
}
