"use client";

import { useMemo, useState, useSyncExternalStore } from "react";
import { decodeText } from "@/lib/body";
import { shownBytes, textPrefix } from "@/lib/body-chunks";
import { ChunkNote } from "./body-chunk";

const wrapKey = "hookyard.body.wrap";
const wrapEvent = "hookyard:body-wrap";

function readWrap(): boolean {
  try {
    return window.localStorage.getItem(wrapKey) !== "off";
  } catch {
    // Storage denied (a locked-down profile): wrapping, the default, without memory.
    return true;
  }
}

function subscribeWrap(onChange: () => void): () => void {
  window.addEventListener(wrapEvent, onChange);
  window.addEventListener("storage", onChange);
  return () => {
    window.removeEventListener(wrapEvent, onChange);
    window.removeEventListener("storage", onChange);
  };
}

function writeWrap(wrap: boolean): void {
  try {
    window.localStorage.setItem(wrapKey, wrap ? "on" : "off");
  } catch {
    // Not remembered; the event below still switches every open view.
  }
  window.dispatchEvent(new Event(wrapEvent));
}

/** Wrap or not, remembered in this browser and shared by every raw view on the page. */
export function useWrapPreference(): [boolean, (wrap: boolean) => void] {
  const wrap = useSyncExternalStore(subscribeWrap, readWrap, () => true);
  return [wrap, writeWrap];
}

/**
 * The body's text as received, in chunks (the first 64 KiB, more on request), wrapped or
 * not. One text node: nothing in it is markup.
 */
export function RawTextView({ bytes }: { bytes: Uint8Array }) {
  const [wrap, setWrap] = useWrapPreference();
  const [clicks, setClicks] = useState(0);
  const { text, shown } = useMemo(() => {
    const prefix = textPrefix(bytes, shownBytes(bytes.length, clicks));
    // Bytes that are not text (gzip as received, an image) would show as noise: say so instead.
    return decodeText(bytes.subarray(0, prefix.shown)) === null ? { text: "(binary: see the hex view)", shown: bytes.length } : prefix;
  }, [bytes, clicks]);
  return (
    <div>
      <label className="mb-1 flex w-fit items-center gap-1 text-xs text-zinc-600 dark:text-zinc-300">
        <input type="checkbox" checked={wrap} onChange={(event) => setWrap(event.target.checked)} />
        Wrap lines
      </label>
      <pre data-wrap={wrap ? "on" : "off"} className={`${wrap ? "whitespace-pre-wrap break-all" : "whitespace-pre"} ${preClasses}`}>
        {text}
      </pre>
      <ChunkNote shown={shown} total={bytes.length} onMore={() => setClicks(clicks + 1)} />
    </div>
  );
}

export const preClasses = "max-h-[32rem] overflow-auto rounded bg-zinc-100 p-3 font-mono text-xs dark:bg-zinc-800";
