"use client";

import { useSyncExternalStore } from "react";

/**
 * One clock for every relative time on the page: a single interval however many rows
 * show one (a bin's list can hold 1,000), running only while something reads it.
 */
const tickMs = 1000;
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  timer ??= setInterval(() => {
    for (const notify of listeners) notify();
  }, tickMs);
  return () => {
    listeners.delete(listener);
    if (listeners.size > 0 || timer === undefined) return;
    clearInterval(timer);
    timer = undefined;
  };
}

// Whole ticks: React reads the clock more than once per render and must see one value.
function now(): number {
  return Math.floor(Date.now() / tickMs) * tickMs;
}

/**
 * `read(now)`, kept current by the shared clock. A component re-renders only when what
 * `read` returns changes (compare by value: return a string or number), so a tick
 * re-renders the rows whose "12 sec. ago" moved on, not every row.
 */
export function useClock<T extends string | number>(read: (nowMs: number) => T, serverValue: T): T {
  return useSyncExternalStore(
    subscribe,
    () => read(now()),
    () => serverValue,
  );
}
