"use client";

import Link from "next/link";
import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { AutoForwardSettings } from "@/components/bins/auto-forward-settings";
import { CaptureLimit } from "@/components/bins/capture-limit";
import { ResponseSettingsPanel } from "@/components/bins/response-settings";
import { SignatureSettings } from "@/components/bins/signature-settings";
import { Button } from "@/components/ui/button";
import { useHydrated } from "@/components/ui/use-hydrated";
import { sampleCurl } from "@/lib/curl";
import type { ResponseSettings } from "@/lib/responses";
import type { ProviderId } from "@/lib/signature-providers";
import type { BinDto, BinForwardDto, BinSignatureDto, RequestPage } from "@/lib/types";
import { DetailBoundary } from "./detail-boundary";
import { RequestDetailPanel } from "./request-detail";
import { RequestList } from "./request-list";
import { type LiveStatus, type LiveStatusStore, useLiveRequests, useLiveStatus } from "./use-live-requests";

type Props = {
  binId: string;
  captureUrl: string;
  initialPage: RequestPage;
  initialTotal: number;
  /** How many captures the bin keeps (its own limit, else MAX_CAPTURES_PER_BIN). */
  initialCaptureLimit: number;
  initialSelectedId: string | null;
  initialSignature: BinSignatureDto | null;
  initialForward: BinForwardDto | null;
  initialResponses: ResponseSettings;
  initialCors: boolean;
  /** Opened with a read-only share link: captures only, no settings, nothing that changes or sends. */
  readOnly?: boolean;
};

/** The live list of captures and the selected one's detail. */
export function BinWorkspace({
  binId,
  captureUrl,
  initialPage,
  initialTotal,
  initialCaptureLimit,
  initialSelectedId,
  initialSignature,
  initialForward,
  initialResponses,
  initialCors,
  readOnly = false,
}: Props) {
  // The capture shown, and whether it was removed elsewhere (another tab, retention).
  const shownRef = useRef<string | null>(null);
  const [goneId, setGoneId] = useState<string | null>(null);
  const live = useLiveRequests(binId, initialPage, initialTotal, (removed) => {
    if (shownRef.current !== null && removed(shownRef.current)) setGoneId(shownRef.current);
  });
  const binDeleted = useLiveStatus(live.statusStore, isBinDeleted);
  const [signature, setSignature] = useState(initialSignature);
  const [forward, setForward] = useState(initialForward);
  const [responses, setResponses] = useState(initialResponses);
  const [captureLimit, setCaptureLimit] = useState(initialCaptureLimit);
  const [cors, setCors] = useState(initialCors);
  const [editingSignature, setEditingSignature] = useState<ProviderId | null>(null);

  useEffect(() => {
    if (live.revision === 0) return;
    // Another tab (or this one) changed the settings: show the current ones.
    const controller = new AbortController();
    fetch(`/api/bins/${binId}`, { signal: controller.signal })
      .then((response) => (response.ok ? (response.json() as Promise<BinDto>) : null))
      .then((bin) => {
        if (!bin) return;
        setSignature(bin.signature);
        setForward(bin.forward);
        setResponses({ response: bin.response, rules: bin.rules });
        setCaptureLimit(bin.captureLimit);
        setCors(bin.cors);
      })
      .catch(() => {
        // Aborted by a newer revision, or offline.
      });
    return () => controller.abort();
  }, [binId, live.revision]);
  const rows = useFirstScreenFirst(live.requests);
  const [selectedId, setSelectedId] = useState<string | null>(initialSelectedId ?? initialPage.requests[0]?.id ?? null);
  useLayoutEffect(() => {
    shownRef.current = selectedId;
  }, [selectedId]);
  const [busy, setBusy] = useState<"clearing" | "loading" | null>(null);
  const [error, setError] = useState<string | null>(null);

  function select(requestId: string | null) {
    setSelectedId(requestId);
    // Keep the selection in the address bar so it can be shared or reloaded.
    const url = new URL(window.location.href);
    if (requestId) url.searchParams.set("r", requestId);
    else url.searchParams.delete("r");
    window.history.replaceState(null, "", url);
  }

  const detailRef = useRef<HTMLElement>(null);
  function selectFromList(requestId: string, byPointer: boolean) {
    select(requestId);
    // Below the grid's lg breakpoint the detail sits under the list, out of sight: bring it up.
    if (byPointer && window.matchMedia("(width < 64rem)").matches) {
      requestAnimationFrame(() => detailRef.current?.scrollIntoView({ block: "start" }));
    }
  }

  async function clearAll() {
    if (!window.confirm("Delete every captured request in this bin?")) return;
    setBusy("clearing");
    setError(null);
    const response = await fetch(`/api/bins/${binId}/requests`, { method: "DELETE" }).catch(() => null);
    setBusy(null);
    if (!response?.ok) {
      setError(response ? `Could not clear the bin (${response.status}).` : "Could not reach Hookyard; nothing was cleared.");
      return;
    }
    live.forgetAll();
    select(null);
  }

  async function loadOlder() {
    setBusy("loading");
    setError(null);
    try {
      await live.loadOlder();
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : "Could not load older requests.");
    } finally {
      setBusy(null);
    }
  }

  function onDeleted(requestId: string) {
    const index = live.requests.findIndex((request) => request.id === requestId);
    const neighbour = live.requests[index + 1] ?? live.requests[index - 1] ?? null;
    live.forget(requestId);
    select(neighbour?.id ?? null);
    // The Delete button that had focus is gone with its panel: keep the keyboard in the list.
    if (neighbour) requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-request-id="${neighbour.id}"]`)?.focus());
  }

  if (binDeleted) {
    return (
      <div
        role="alert"
        className="rounded-lg border border-amber-300 bg-amber-50 p-6 text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-200"
      >
        This bin no longer exists.{" "}
        <Link className="underline" href="/">
          Create a new one
        </Link>
        .
      </div>
    );
  }

  return (
    <div className="flex flex-col gap-5">
      {/* One row of cards; stacked while one is edited (SettingsCard). */}
      {!readOnly && (
        <div className="grid gap-4 lg:grid-cols-3 lg:has-[>[data-editing]]:grid-cols-1">
          <SignatureSettings binId={binId} signature={signature} onSaved={setSignature} editing={editingSignature} setEditing={setEditingSignature} />
          <AutoForwardSettings binId={binId} forward={forward} onSaved={setForward} />
          <ResponseSettingsPanel binId={binId} settings={responses} onSaved={setResponses} cors={cors} onCorsSaved={setCors} />
        </div>
      )}
      <div className="grid min-h-[60vh] grid-cols-1 gap-4 lg:grid-cols-[minmax(18rem,24rem)_1fr]">
        <section
          aria-labelledby="requests-heading"
          className="flex min-h-0 flex-col rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900"
        >
          <div className="flex items-center justify-between gap-2 border-b border-zinc-200 px-3 py-2 dark:border-zinc-800">
            <h2 id="requests-heading" className="text-sm font-semibold">
              Requests{" "}
              <span className="font-normal text-zinc-500" data-testid="request-count">
                ({live.total})
              </span>
            </h2>
            {!readOnly && <CaptureLimit binId={binId} total={live.total} limit={captureLimit} onSaved={setCaptureLimit} />}
            <div className="flex items-center gap-2">
              <StatusDot store={live.statusStore} />
              {!readOnly && (
                <Button variant="ghost" onClick={() => void clearAll()} disabled={live.total === 0 || busy !== null} className="px-2 py-1 text-xs">
                  {busy === "clearing" ? "Clearing…" : "Clear"}
                </Button>
              )}
            </div>
          </div>
          {error && (
            <p role="alert" className="border-b border-zinc-200 px-3 py-2 text-sm text-red-600 dark:border-zinc-800">
              {error}
            </p>
          )}
          <div className="max-h-[70vh] min-h-0 flex-1 overflow-y-auto">
            {live.requests.length === 0 ? (
              <EmptyState captureUrl={captureUrl} />
            ) : (
              <>
                <RequestList requests={rows} selectedId={selectedId} onSelect={selectFromList} />
                {live.nextCursor && rows.length === live.requests.length && (
                  <div className="p-3">
                    <Button onClick={() => void loadOlder()} disabled={busy !== null} className="w-full justify-center">
                      {busy === "loading" ? "Loading…" : "Load older requests"}
                    </Button>
                  </div>
                )}
              </>
            )}
          </div>
        </section>
        <section
          ref={detailRef}
          aria-label="Request detail"
          className="max-lg:min-h-[90vh] min-w-0 rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900"
        >
          {selectedId && goneId === selectedId ? (
            <p role="status" className="p-6 text-sm text-zinc-500">
              This request no longer exists: it was deleted, or the bin&apos;s retention removed it.
            </p>
          ) : selectedId ? (
            <DetailBoundary key={`${selectedId}@${live.revision}`} rawUrl={`/api/bins/${binId}/requests/${selectedId}/raw`}>
              <RequestDetailPanel
                binId={binId}
                requestId={selectedId}
                onDeleted={onDeleted}
                onSetUpSignature={setEditingSignature}
                signatureProvider={signature?.provider ?? null}
                liveForwardAttempt={live.forwardAttempt}
                readOnly={readOnly}
              />
            </DetailBoundary>
          ) : (
            <p className="p-6 text-sm text-zinc-500">
              {live.requests.length === 0
                ? "Requests you send to this bin appear here the moment they land."
                : "Select a request to see its headers, query and body."}
            </p>
          )}
        </section>
      </div>
    </div>
  );
}

/** Rows rendered by the server and while the page hydrates: more than a tall screen's list shows. */
const firstScreenRows = 25;

/**
 * The list's rows, at first only those a screen shows: the server renders fewer rows
 * and the page becomes interactive sooner, and the rest follow in a transition once it
 * is.
 */
function useFirstScreenFirst<Row>(rows: Row[]): Row[] {
  return useHydrated() ? rows : rows.slice(0, firstScreenRows);
}

const isBinDeleted = (status: LiveStatus) => status === "bin-deleted";
const asIs = (status: LiveStatus) => status;

function StatusDot({ store }: { store: LiveStatusStore }) {
  const status = useLiveStatus(store, asIs);
  const label = status === "live" ? "Live" : status === "connecting" ? "Connecting…" : "Reconnecting…";
  const colour = status === "live" ? "bg-emerald-500" : "bg-amber-500 animate-pulse";
  return (
    <span className="flex items-center gap-1.5 text-xs text-zinc-500" role="status" data-testid="live-status">
      <span aria-hidden className={`size-2 rounded-full ${colour}`} />
      {label}
    </span>
  );
}

function EmptyState({ captureUrl }: { captureUrl: string }) {
  return (
    <div className="flex flex-col gap-2 p-4 text-sm text-zinc-600 dark:text-zinc-400" data-testid="empty-state">
      <p className="font-medium text-zinc-800 dark:text-zinc-200">Waiting for the first request…</p>
      <p>Paste the bin URL into your webhook provider, or send one from a terminal:</p>
      <pre className="overflow-x-auto rounded bg-zinc-100 p-2 font-mono text-xs dark:bg-zinc-800">{sampleCurl(captureUrl)}</pre>
      <p>It shows up here instantly, no reload needed.</p>
    </div>
  );
}
