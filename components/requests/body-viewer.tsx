"use client";

import { type ReactNode, useMemo, useState } from "react";
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

type Tab = "parts" | "pretty" | "xml" | "preview" | "decoded" | "raw" | "hex";

type Props = {
  /** What the views read: the body, or the body with its Content-Encoding undone. */
  bytes: Uint8Array;
  contentType: string | null;
  /** The bytes as received, for Raw and Hex, when `bytes` are decoded from them. */
  received?: Uint8Array;
  /** A multipart body's parts: shown first, in a Parts tab. */
  parts?: ReactNode;
  /** The capture's raw route, for an image preview (served sandboxed, as received). */
  rawUrl?: string;
};

/**
 * The body as its parts, pretty JSON, form fields, pretty XML, an image, text or a hex
 * dump, each view in a component of its own. Everything is rendered as React text nodes
 * (an image only from the sandboxed raw route): a body is never interpreted as HTML.
 */
export function BodyViewer({ bytes, contentType, received = bytes, parts, rawUrl }: Props) {
  const view = useMemo(() => viewBody(bytes, contentType), [bytes, contentType]);
  const decoded = received !== bytes;
  // The raw route serves the bytes as received: an image is previewed only when those are it.
  const image = useMemo(() => imagePreview(bytes, contentType), [bytes, contentType]);
  const xml = view.kind === "text" && isXmlBody(view.text, contentType);
  const tabs: Tab[] = [
    ...(parts ? ["parts" as const] : []),
    ...availableTabs(view, {
      xml,
      image: image.kind === "image" && rawUrl !== undefined && !decoded,
      decodedText: decoded && view.kind !== "binary" && view.kind !== "empty",
    }),
  ];
  const [chosen, setTab] = useState<Tab>(tabs[0] ?? "raw");
  // New bytes may not offer the tab chosen for the old ones (JSON, then plain text).
  const tab = tabs.includes(chosen) ? chosen : (tabs[0] ?? "raw");

  if (view.kind === "empty" && received.length === 0) return <p className="text-sm text-zinc-500">No body.</p>;

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
        {tab === "parts" && parts}
        {tab === "pretty" && <PrettyBody view={view} />}
        {tab === "xml" && view.kind === "text" && <XmlView text={view.text} bytes={bytes} />}
        {tab === "preview" && rawUrl !== undefined && <ImagePreview rawUrl={rawUrl} />}
        {(tab === "decoded" || (tab === "raw" && !decoded)) && view.kind === "json" && view.treeRefusal && (
          <p className="mb-2 text-xs text-zinc-500" data-testid="json-tree-refusal">
            Valid JSON, shown as text: {view.treeRefusal}.
          </p>
        )}
        {tab === "decoded" && <RawTextView bytes={bytes} />}
        {tab === "raw" && <RawTextView bytes={received} />}
        {tab === "hex" && <HexView bytes={received} />}
      </div>
    </div>
  );
}

/**
 * The tabs a body offers, the one it opens on first. `decodedText`: the views read the
 * body with its Content-Encoding undone, so Raw (the bytes as received) does not show it.
 */
function availableTabs(view: BodyView, offers: { xml: boolean; image: boolean; decodedText: boolean }): Tab[] {
  const text: Tab[] = offers.decodedText ? ["decoded", "raw", "hex"] : ["raw", "hex"];
  if (view.kind === "binary" || view.kind === "empty") return offers.image ? ["preview", "hex"] : ["hex"];
  if ((view.kind === "json" && !view.treeRefusal) || view.kind === "form") return ["pretty", ...text];
  if (offers.xml) return ["xml", ...text];
  return text;
}

function tabLabel(tab: Tab, view: BodyView): string {
  if (tab === "pretty") return view.kind === "form" ? "Form fields" : "JSON";
  const labels: Record<Exclude<Tab, "pretty">, string> = { parts: "Parts", xml: "Pretty", preview: "Preview", decoded: "Decoded text", raw: "Raw", hex: "Hex" };
  return labels[tab];
}

function PrettyBody({ view }: { view: BodyView }) {
  if (view.kind === "form") return <KeyValueTable rows={view.fields} empty="No fields." />;
  if (view.kind !== "json") return null;
  if (!isContainer(view.value)) return <pre className={`whitespace-pre-wrap break-all ${preClasses}`}>{JSON.stringify(view.value)}</pre>;
  return <JsonTree value={view.value} />;
}
