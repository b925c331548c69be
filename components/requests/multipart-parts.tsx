"use client";

import { buttonClasses } from "@/components/ui/button";
import { decodeText, formatBytes } from "@/lib/body";
import { isPreviewableImageType } from "@/lib/image";
import type { MultipartList, MultipartPartDto } from "@/lib/types";
import { KeyValueTable } from "./key-value-table";

/** Text parts longer than this are offered as downloads only: the page stays light. */
const maxShownTextBytes = 64 * 1024;

type Props = {
  /** `…/api/bins/{binId}/requests/{requestId}/parts`: each part's bytes are at `/{index}`. */
  partsUrl: string;
  list: MultipartList;
  /** The bytes the parts were read from (decoded, when `list.decoded`): text parts are shown from them. */
  bytes: Uint8Array;
};

/**
 * A multipart body part by part. Captured content stays inert: text as React text
 * nodes, raster images from the allow-list in an `<img>` (which never runs scripts),
 * everything else (HTML and SVG included) only as a download, which the server serves
 * as an attachment of `application/octet-stream`.
 */
export function MultipartParts({ partsUrl, list, bytes }: Props) {
  return (
    <div className="flex flex-col gap-3" data-testid="multipart-parts">
      {list.error && (
        <p
          role="status"
          className="rounded border border-amber-300 bg-amber-50 p-2 text-xs text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200"
        >
          {list.parts.length === 0 ? "No parts could be read. " : `Only ${list.parts.length} part${list.parts.length === 1 ? "" : "s"} could be read. `}
          {list.error}
        </p>
      )}
      {list.parts.length === 0 && !list.error && <p className="text-sm text-zinc-500">No parts.</p>}
      <ol className="flex flex-col gap-3">
        {list.parts.map((part) => (
          <PartCard key={part.index} part={part} url={`${partsUrl}/${part.index}`} content={bytes.subarray(part.offset, part.offset + part.size)} />
        ))}
      </ol>
    </div>
  );
}

function PartCard({ part, url, content }: { part: MultipartPartDto; url: string; content: Uint8Array }) {
  const text = isShownAsText(part) ? decodeText(content) : null;
  const label = part.filename ?? part.name ?? `part ${part.index + 1}`;
  return (
    <li className="rounded border border-zinc-200 p-3 dark:border-zinc-800" data-testid="multipart-part" aria-label={`Part ${part.index + 1}: ${label}`}>
      <div className="mb-2 flex flex-wrap items-baseline gap-x-3 gap-y-1 text-xs">
        <span className="font-semibold text-zinc-500">#{part.index + 1}</span>
        {part.name !== null && (
          <span>
            field <code className="font-mono font-semibold">{part.name}</code>
          </span>
        )}
        {part.filename !== null && (
          <span>
            file <code className="font-mono font-semibold">{part.filename}</code>
          </span>
        )}
        <span className="text-zinc-500">{part.contentType ?? "no type"}</span>
        <span className="text-zinc-500">{formatBytes(part.size)}</span>
        {(part.filename !== null || text === null) && (
          <a className={buttonClasses("secondary", "ml-auto !px-2 !py-0.5 text-xs")} href={url} download>
            Download
          </a>
        )}
      </div>
      {text !== null && (
        <pre className="max-h-64 overflow-auto whitespace-pre-wrap break-all rounded bg-zinc-100 p-2 font-mono text-xs dark:bg-zinc-800">
          {text === "" ? "(empty)" : text}
        </pre>
      )}
      {isPreviewableImageType(part.contentType) && part.size > 0 && (
        // eslint-disable-next-line @next/next/no-img-element -- a captured image, served by the API with its own headers: nothing for Next to optimise
        <img
          src={`${url}?inline=1`}
          alt={`Preview of ${label}`}
          className="max-h-64 min-h-16 max-w-full rounded border border-zinc-200 object-contain dark:border-zinc-800"
        />
      )}
      <details className="mt-2 text-xs">
        <summary className="cursor-pointer text-zinc-500">Headers ({part.headers.length})</summary>
        <KeyValueTable rows={part.headers} empty="No headers." label={`Headers of part ${part.index + 1}`} />
      </details>
    </li>
  );
}

/** Text fields and small text files read as text; other files are for downloading. */
function isShownAsText(part: MultipartPartDto): boolean {
  if (part.size > maxShownTextBytes) return false;
  const type = part.contentType;
  if (type === null) return part.filename === null;
  return type.startsWith("text/") || type === "application/json" || type.endsWith("+json") || type === "application/x-www-form-urlencoded";
}
