"use client";

import { useState } from "react";
import { CopyButton } from "@/components/ui/copy-button";
import { toHarEntry } from "@/lib/har";
import { snippetTargets, toSnippet, type SnippetTarget } from "@/lib/snippets";
import type { RequestDetail } from "@/lib/types";

type Format = "har" | SnippetTarget;

const formats: { format: Format; label: string }[] = [
  { format: "har", label: "HAR entry" },
  ...snippetTargets.map(({ target, label }) => ({ format: target, label })),
];

/** The capture as a HAR entry or as code, in the format chosen beside the button. */
export function CopyAs({ request, body }: { request: RequestDetail; body: Uint8Array }) {
  const [chosen, setChosen] = useState(formats[0]!);
  // Built on click only: for a large body each format is a copy of it, several times its size.
  function text(): string {
    const entry = toHarEntry(request, body);
    return chosen.format === "har" ? JSON.stringify(entry, null, 2) : toSnippet(chosen.format, entry.request);
  }
  return (
    <span className="inline-flex items-center gap-1">
      <select
        aria-label="Copy format"
        value={chosen.format}
        onChange={(event) => setChosen(formats.find((entry) => entry.format === event.target.value) ?? chosen)}
        className="rounded-md border border-zinc-300 bg-white px-2 py-1.5 text-sm text-zinc-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
      >
        {formats.map((entry) => (
          <option key={entry.format} value={entry.format}>
            {entry.label}
          </option>
        ))}
      </select>
      <CopyButton text={text} label={`Copy as ${chosen.label}`} />
    </span>
  );
}
