"use client";

import { useEffect, useState } from "react";
import { Button } from "./button";

type Props = {
  /** What to copy; a function is called only on click, for text that is costly to build (a large body, a snippet). */
  text: string | (() => string);
  label?: string;
  className?: string;
  /** A small icon button, `label` its accessible name, "Copied" shown after a copy. */
  compact?: boolean;
};

/** Copies `text` and says so; falls back to selecting-free execCommand where the Clipboard API is denied (plain http on a LAN address). */
export function CopyButton({ text, label = "Copy", className = "", compact = false }: Props) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");

  useEffect(() => {
    if (state === "idle") return;
    const timer = setTimeout(() => setState("idle"), 1500);
    return () => clearTimeout(timer);
  }, [state]);

  async function copy() {
    try {
      const value = typeof text === "function" ? text() : text;
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(value);
      } else {
        copyWithTextarea(value);
      }
      setState("copied");
    } catch {
      setState("failed");
    }
  }

  const feedback = state === "copied" ? "Copied" : state === "failed" ? "Copy failed" : null;
  if (compact) {
    return (
      <button
        type="button"
        onClick={() => void copy()}
        // The name while idle; then the visible "Copied", announced through aria-live.
        aria-label={feedback ? undefined : label}
        title={label}
        aria-live="polite"
        data-state={state}
        className={`inline-flex shrink-0 items-center rounded px-1 py-0.5 font-sans text-[0.7rem] text-zinc-500 hover:bg-zinc-200 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-indigo-500 data-[state=copied]:opacity-100 data-[state=failed]:opacity-100 dark:hover:bg-zinc-700 dark:hover:text-zinc-100 ${className}`}
      >
        {feedback ?? <CopyIcon />}
      </button>
    );
  }
  return (
    <Button onClick={() => void copy()} className={className} aria-live="polite">
      {feedback ?? label}
    </Button>
  );
}

function CopyIcon() {
  return (
    <svg aria-hidden="true" viewBox="0 0 16 16" width="12" height="12" fill="none" stroke="currentColor" strokeWidth="1.5">
      <rect x="5.5" y="5.5" width="8" height="8" rx="1.5" />
      <path d="M10.5 5.5V3.5a1 1 0 0 0-1-1h-6a1 1 0 0 0-1 1v6a1 1 0 0 0 1 1h2" />
    </svg>
  );
}

function copyWithTextarea(text: string): void {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand("copy");
  area.remove();
  if (!ok) throw new Error("copy refused");
}
