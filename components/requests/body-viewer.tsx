"use client";

import { type ReactNode, useMemo, useState } from "react";
import { type BodyView, decodeText, hexDump, viewBody } from "@/lib/body";
import { JsonTree } from "./json-tree";
import { KeyValueTable } from "./key-value-table";

type Tab = "parts" | "pretty" | "decoded" | "raw" | "hex";

type Props = {
  /** What the views read: the body, or the body with its Content-Encoding undone. */
  bytes: Uint8Array;
  contentType: string | null;
  /** The bytes as received, for Raw and Hex, when `bytes` are decoded from them. */
  received?: Uint8Array;
  /** A multipart body's parts: shown first, in a Parts tab. */
  parts?: ReactNode;
};

/**
 * The body as pretty JSON, form fields, text or a hex dump. Everything is rendered
 * as React text nodes: a body is never interpreted as HTML.
 */
export function BodyViewer({ bytes, contentType, received = bytes, parts }: Props) {
  const view = useMemo(() => viewBody(bytes, contentType), [bytes, contentType]);
  const decodedText = received !== bytes && view.kind !== "binary" && view.kind !== "empty";
  const tabs: Tab[] = [...(parts ? ["parts" as const] : []), ...availableTabs(view, decodedText)];
  const [chosen, setTab] = useState<Tab>(tabs[0] ?? "raw");
  // New bytes may not offer the tab chosen for the old ones (JSON, then plain text).
  const tab = tabs.includes(chosen) ? chosen : (tabs[0] ?? "raw");

  if (view.kind === "empty" && received.length === 0) return <p className="text-sm text-zinc-500">No body.</p>;

  return (
    <div>
      <div role="tablist" aria-label="Body view" className="mb-2 flex gap-1">
        {tabs.map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            aria-selected={tab === name}
            onClick={() => setTab(name)}
            className={`rounded px-2 py-1 text-xs font-medium focus-visible:outline-2 focus-visible:outline-indigo-500 ${
              tab === name
                ? "bg-zinc-900 text-white dark:bg-zinc-100 dark:text-zinc-900"
                : "text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800"
            }`}
          >
            {name === "parts" ? "Parts" : name === "decoded" ? "Decoded text" : tabLabel(name, view)}
          </button>
        ))}
      </div>
      <div role="tabpanel" data-testid={`body-${tab}`}>
        {tab === "parts" && parts}
        {tab === "pretty" && <PrettyBody view={view} />}
        {tab === "decoded" && <pre className={preClasses}>{decodeText(bytes)}</pre>}
        {(tab === "decoded" || (tab === "raw" && !decodedText)) && view.kind === "json" && view.treeRefusal && (
          <p className="mb-2 text-xs text-zinc-500" data-testid="json-tree-refusal">
            Valid JSON, shown as text: {view.treeRefusal}.
          </p>
        )}
        {tab === "raw" && <pre className={preClasses}>{decodeText(received) ?? "(binary: see the hex view)"}</pre>}
        {tab === "hex" && <pre className={preClasses}>{hexDump(received)}</pre>}
      </div>
    </div>
  );
}

const preClasses = "max-h-[32rem] overflow-auto whitespace-pre-wrap break-all rounded bg-zinc-100 p-3 font-mono text-xs dark:bg-zinc-800";

/** `decodedText`: the views read decoded text, so Raw (the bytes as received) does not show it. */
function availableTabs(view: BodyView, decodedText: boolean): Tab[] {
  const text: Tab[] = decodedText ? ["decoded", "raw", "hex"] : ["raw", "hex"];
  if (view.kind === "binary" || view.kind === "empty") return ["hex"];
  if ((view.kind === "json" && !view.treeRefusal) || view.kind === "form") return ["pretty", ...text];
  return text;
}

function tabLabel(tab: Tab, view: BodyView): string {
  if (tab === "pretty") return view.kind === "form" ? "Form fields" : "JSON";
  return tab === "raw" ? "Raw" : "Hex";
}

function PrettyBody({ view }: { view: BodyView }) {
  if (view.kind === "form") return <KeyValueTable rows={view.fields} empty="No fields." />;
  if (view.kind !== "json") return null;
  if (typeof view.value !== "object" || view.value === null) {
    return <pre className={preClasses}>{JSON.stringify(view.value)}</pre>;
  }
  return (
    <div className="max-h-[32rem] overflow-auto rounded bg-zinc-50 p-2 font-mono text-xs dark:bg-zinc-100">
      <JsonTree value={view.value} />
    </div>
  );
}
