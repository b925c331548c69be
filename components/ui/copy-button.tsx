"use client";

import { useEffect, useState } from "react";
import { Button } from "./button";

/**
 * Copies `text` and says so; falls back to selecting-free execCommand where the Clipboard API is denied (plain http on a LAN address).
 * `text` may be a function, called on click: a cURL command for a 10 MiB body takes seconds to build.
 */
export function CopyButton({ text, label = "Copy", className }: { text: string | (() => string); label?: string; className?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");

  useEffect(() => {
    if (state === "idle") return;
    const timer = setTimeout(() => setState("idle"), 1500);
    return () => clearTimeout(timer);
  }, [state]);

  async function copy() {
    try {
      const copied = typeof text === "function" ? text() : text;
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(copied);
      } else {
        copyWithTextarea(copied);
      }
      setState("copied");
    } catch {
      setState("failed");
    }
  }

  return (
    <Button onClick={() => void copy()} className={className} aria-live="polite">
      {state === "copied" ? "Copied" : state === "failed" ? "Copy failed" : label}
    </Button>
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
