"use client";

import { useMemo } from "react";
import { prettyXml } from "@/lib/xml";
import { RawTextView, preClasses } from "./raw-text-view";

/** An XML document re-indented, as one text node; the text as received with the reason when it cannot be. */
export function XmlView({ text, bytes }: { text: string; bytes: Uint8Array }) {
  const pretty = useMemo(() => prettyXml(text, bytes.length), [text, bytes]);
  if (pretty.ok) return <pre className={`whitespace-pre ${preClasses}`}>{pretty.text}</pre>;
  return (
    <div>
      <p className="mb-2 text-xs text-zinc-500" data-testid="xml-fallback">
        Shown as text: {pretty.reason}.
      </p>
      <RawTextView bytes={bytes} />
    </div>
  );
}
