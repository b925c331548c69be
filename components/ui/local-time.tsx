"use client";

import { startTransition, useEffect, useState } from "react";
import { formatDateTime, formatTime, formatUtcDateTime, formatUtcTime } from "@/lib/format";

// Set once the page has hydrated: from then on a time renders in the reader's zone at once.
let readerZoneKnown = false;

type Props = { epochMs: number; withDate?: boolean; className?: string };

/**
 * A moment in the reader's own locale and time zone. The server renders it in UTC (it
 * cannot know the reader's zone, and hydration must see the same text), and the browser
 * rewrites it once the page is interactive: as a transition, so that ICU's start-up
 * (lib/format.ts) does not hold up the page's first interactive render.
 */
export function LocalTime({ epochMs, withDate = false, className }: Props) {
  const [local, setLocal] = useState(readerZoneKnown);
  useEffect(() => {
    readerZoneKnown = true;
    if (!local) startTransition(() => setLocal(true));
  }, [local]);
  const text = local ? (withDate ? formatDateTime(epochMs) : formatTime(epochMs)) : withDate ? formatUtcDateTime(epochMs) : formatUtcTime(epochMs);
  return (
    <time className={className} dateTime={new Date(epochMs).toISOString()}>
      {text}
    </time>
  );
}
