"use client";

import { useEffect, useState } from "react";
import { formatBytes } from "@/lib/body";
import { isMultipartType } from "@/lib/parts";
import type { MultipartList, RequestDetail } from "@/lib/types";
import { BodyViewer } from "./body-viewer";
import { MultipartParts } from "./multipart-parts";

type Props = {
  /** `…/api/bins/{binId}/requests/{requestId}`. */
  requestUrl: string;
  request: Pick<RequestDetail, "contentType" | "encoding">;
  /** The body as received. */
  body: Uint8Array;
};

type Loaded<T> = { state: "loading" } | { state: "ready"; value: T } | { state: "error"; message: string };

/**
 * The body for the views: decoded when it has a Content-Encoding that decodes (with a
 * note of the codings and both sizes, or of why not), and part by part when it is
 * multipart. Raw and Hex keep the bytes as received.
 */
export function CapturedBody({ requestUrl, request, body }: Props) {
  const decodes = request.encoding !== null && request.encoding.error === null;
  const decoded = useFetched(decodes ? `${requestUrl}/raw?decoded=1` : null, async (response) => new Uint8Array(await response.arrayBuffer()));
  const multipart = isMultipartType(request.contentType);
  const parts = useFetched(multipart ? `${requestUrl}/parts` : null, async (response) => (await response.json()) as MultipartList);

  const viewBytes = decoded?.state === "ready" ? decoded.value : body;
  return (
    <div className="flex flex-col gap-2">
      {request.encoding && <EncodingNote encoding={request.encoding} failed={decoded?.state === "error" ? decoded.message : null} />}
      <BodyViewer
        // Afresh once the decoded bytes arrive: the tabs for the bytes as received (Hex
        // alone, for gzip) are not the ones to open the decoded body with (JSON).
        key={viewBytes === body ? "received" : "decoded"}
        bytes={viewBytes}
        received={body}
        contentType={request.contentType}
        rawUrl={`${requestUrl}/raw`}
        parts={
          multipart ? (
            <PartsPanel partsUrl={`${requestUrl}/parts`} parts={parts} bytes={viewBytes} waitingForDecode={decodes && decoded?.state !== "ready"} />
          ) : undefined
        }
      />
    </div>
  );
}

function EncodingNote({ encoding, failed }: { encoding: NonNullable<RequestDetail["encoding"]>; failed: string | null }) {
  const codings = encoding.codings.join(", ");
  const problem = encoding.error ?? failed;
  return (
    <p className="text-xs text-zinc-600 dark:text-zinc-400" data-testid="encoding-note">
      {problem === null ? (
        <>
          <span className="font-mono font-semibold">{codings}</span>: {formatBytes(encoding.encodedSize)} → {formatBytes(encoding.decodedSize ?? 0)}, shown
          decoded; Raw, Hex and Download body keep the bytes as received.
        </>
      ) : (
        <>
          <span className="font-mono font-semibold">{codings}</span> ({formatBytes(encoding.encodedSize)}): not decoded, {problem}. Shown as received.
        </>
      )}
    </p>
  );
}

function PartsPanel({
  partsUrl,
  parts,
  bytes,
  waitingForDecode,
}: {
  partsUrl: string;
  parts: Loaded<MultipartList> | null;
  bytes: Uint8Array;
  waitingForDecode: boolean;
}) {
  if (parts === null || parts.state === "loading" || (waitingForDecode && parts.state === "ready" && parts.value.decoded)) {
    return <p className="text-sm text-zinc-500">Reading the parts…</p>;
  }
  if (parts.state === "error") {
    return (
      <p role="alert" className="text-sm text-red-600">
        {parts.message}
      </p>
    );
  }
  return <MultipartParts partsUrl={partsUrl} list={parts.value} bytes={bytes} />;
}

/** GET `url` (null: nothing to fetch) and read it with `read`; an error answer's `message` becomes the error. */
function useFetched<T>(url: string | null, read: (response: Response) => Promise<T>): Loaded<T> | null {
  const [loaded, setLoaded] = useState<{ url: string; value: Loaded<T> } | null>(null);
  useEffect(() => {
    if (url === null) return;
    const controller = new AbortController();
    fetch(url, { signal: controller.signal })
      .then(async (response) => {
        if (!response.ok) {
          const problem = (await response.json().catch(() => null)) as { message?: string } | null;
          throw new Error(problem?.message ?? `Hookyard answered ${response.status}.`);
        }
        const value = await read(response);
        setLoaded({ url, value: { state: "ready", value } });
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        setLoaded({ url, value: { state: "error", message: error instanceof Error ? error.message : "Could not load it." } });
      });
    return () => controller.abort();
    // `read` is a parser, the same for a given url.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [url]);
  if (url === null) return null;
  return loaded?.url === url ? loaded.value : { state: "loading" };
}
