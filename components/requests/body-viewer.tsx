"use client";

import { useMemo, useState } from "react";
import { type BodyView, viewBody } from "@/lib/body";
import { imagePreview } from "@/lib/image";
import { isContainer } from "@/lib/json-tree";
import { isXmlBody } from "@/lib/xml";
import { HexView } from "./hex-view";
import { ImagePreview } from "./image-preview";
import { JsonTree } from "./json-tree";
import { KeyValueTable } from "./key-value-table";
import { RawTextView, preClasses } from "./raw-text-view";
import { XmlView } from "./xml-view";

type Tab = "pretty" | "xml" | "preview" | "raw" | "hex";

/**
 * The body as pretty JSON, form fields, pretty XML, an image, text or a hex dump, each
 * view in a component of its own. Everything is rendered as React text nodes (an image
 * only from the sandboxed raw route): a body is never interpreted as HTML.
 */
export function BodyViewer({ bytes, contentType, rawUrl }: { bytes: Uint8Array; contentType: string | null; rawUrl?: string }) {
  const view = useMemo(() => viewBody(bytes, contentType), [bytes, contentType]);
  const image = useMemo(() => imagePreview(bytes, contentType), [bytes, contentType]);
  const xml = view.kind === "text" && isXmlBody(view.text, contentType);
  const tabs = availableTabs(view, { xml, image: image.kind === "image" && rawUrl !== undefined });
  const [chosen, setTab] = useState<Tab>(tabs[0] ?? "raw");
  // New bytes may not offer the tab chosen for the old ones (JSON, then plain text).
  const tab = tabs.includes(chosen) ? chosen : (tabs[0] ?? "raw");

  if (view.kind === "empty") return <p className="text-sm text-zinc-500">No body.</p>;

  return (
    <div>
      {image.kind === "mismatch" && (
        <p className="mb-2 text-xs text-zinc-500" data-testid="image-mismatch">
          No preview: {image.reason}.
        </p>
      )}
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
            {tabLabel(name, view)}
          </button>
        ))}
      </div>
      <div role="tabpanel" data-testid={`body-${tab}`}>
        {tab === "pretty" && <PrettyBody view={view} />}
        {tab === "xml" && view.kind === "text" && <XmlView text={view.text} bytes={bytes} />}
        {tab === "preview" && rawUrl !== undefined && <ImagePreview rawUrl={rawUrl} />}
        {tab === "raw" && view.kind === "json" && view.treeRefusal && (
          <p className="mb-2 text-xs text-zinc-500" data-testid="json-tree-refusal">
            Valid JSON, shown as text: {view.treeRefusal}.
          </p>
        )}
        {tab === "raw" && <RawTextView bytes={bytes} />}
        {tab === "hex" && <HexView bytes={bytes} />}
      </div>
    </div>
  );
}

/** The tabs a body offers, the one it opens on first. */
function availableTabs(view: BodyView, offers: { xml: boolean; image: boolean }): Tab[] {
  if (view.kind === "binary") return offers.image ? ["preview", "hex"] : ["hex"];
  if ((view.kind === "json" && !view.treeRefusal) || view.kind === "form") return ["pretty", "raw", "hex"];
  if (offers.xml) return ["xml", "raw", "hex"];
  return ["raw", "hex"];
}

function tabLabel(tab: Tab, view: BodyView): string {
  if (tab === "pretty") return view.kind === "form" ? "Form fields" : "JSON";
  const labels: Record<Exclude<Tab, "pretty">, string> = { xml: "Pretty", preview: "Preview", raw: "Raw", hex: "Hex" };
  return labels[tab];
}

function PrettyBody({ view }: { view: BodyView }) {
  if (view.kind === "form") return <KeyValueTable rows={view.fields} empty="No fields." />;
  if (view.kind !== "json") return null;
  if (!isContainer(view.value)) return <pre className={`whitespace-pre-wrap break-all ${preClasses}`}>{JSON.stringify(view.value)}</pre>;
  return <JsonTree value={view.value} />;
}
