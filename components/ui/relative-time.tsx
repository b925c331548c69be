"use client";

import { formatDateTime, formatRelativeTime, formatUtcDateTime, formatUtcTime } from "@/lib/format";
import { useClock } from "./use-clock";
import { useHydrated } from "./use-hydrated";

type Props = { epochMs: number; className?: string };

/**
 * "2 min. ago", kept current, with the exact moment in the reader's zone (and in ISO) on
 * hover and in `dateTime`. Until the page is interactive it reads as LocalTime does, in
 * UTC: the server knows neither the reader's zone nor the moment the page is read.
 */
export function RelativeTime({ epochMs, className }: Props) {
  const hydrated = useHydrated();
  const iso = new Date(epochMs).toISOString();
  return (
    <time className={className} dateTime={iso} title={hydrated ? `${formatDateTime(epochMs)} (${iso})` : iso}>
      {hydrated ? <Ago epochMs={epochMs} /> : formatUtcTime(epochMs)}
    </time>
  );
}

function Ago({ epochMs }: { epochMs: number }) {
  return useClock((nowMs) => formatRelativeTime(epochMs, nowMs), formatUtcDateTime(epochMs));
}
