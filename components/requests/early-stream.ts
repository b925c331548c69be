/**
 * The bin page's live stream, opened by a small inline script as soon as the HTML
 * arrives instead of after React has loaded and hydrated: the connection and the
 * server's `ready` then overlap with the page's JavaScript. Events that arrive before
 * the page's hook takes the stream over are kept, in order, and handed over with it.
 * Shared by the page (which writes the script) and the hook (which adopts the stream).
 */

import type { StreamedBinEvent } from "@/lib/types";

/** Every event the stream sends (lib/server/live-stream.ts). */
export const streamEventTypes = [
  "ready",
  "request",
  "request-deleted",
  "requests-cleared",
  "requests-pruned",
  "bin-updated",
  "resync",
  "forward-attempt",
  "bin-deleted",
] as const;
export type StreamEventType = (typeof streamEventTypes)[number];

// A server event missing from the list above would be dropped by the page without a
// word; this fails to compile instead.
type MustBeNever<T extends never> = T;
export type UnlistenedBinEvents = MustBeNever<Exclude<StreamedBinEvent["type"], StreamEventType>>;

export type StreamEvent = { type: StreamEventType; data: string };

/** What the inline script leaves for the hook. */
export type EarlyStream = { path: string; source: EventSource; events: StreamEvent[]; stop: () => void };

const slot = "__hookyardEarlyStream";
type WithEarlyStream = typeof globalThis & { [slot]?: EarlyStream };

/**
 * Where the page's stream resumes: after the newest capture the server rendered, or
 * from the start of an empty bin, so a capture that lands while the page loads is
 * not lost.
 */
export function resumePoint(newestRendered: { seq: number } | undefined): string {
  return String(newestRendered?.seq ?? 0);
}

export function liveStreamPath(binId: string, after: string): string {
  return `/api/bins/${encodeURIComponent(binId)}/stream?after=${encodeURIComponent(after)}`;
}

/**
 * The inline script's source: plain ES5-level JavaScript that needs nothing else,
 * with its arguments as JSON (`<` escaped so nothing can close the script element).
 */
export function earlyStreamScript(path: string): string {
  const args = JSON.stringify([slot, path, streamEventTypes]).replace(/</g, "\\u003c");
  return `(function (name, path, types) {
  if (typeof EventSource !== "function") return;
  var source = new EventSource(path);
  var events = [];
  var keep = function (event) { events.push({ type: event.type, data: event.data }); };
  types.forEach(function (type) { source.addEventListener(type, keep); });
  var stop = function () { types.forEach(function (type) { source.removeEventListener(type, keep); }); };
  window[name] = { path: path, source: source, events: events, stop: stop };
}).apply(null, ${args});`;
}

/**
 * The stream the inline script opened for `path`, with the events it kept, or null.
 * Taken at most once: a second caller (a remount) opens its own.
 */
export function takeEarlyStream(path: string): EarlyStream | null {
  const holder = globalThis as WithEarlyStream;
  const early = holder[slot];
  if (!early) return null;
  delete holder[slot];
  early.stop();
  if (early.path !== path || early.source.readyState === EventSource.CLOSED) {
    early.source.close();
    return null;
  }
  return early;
}
