"use client";

import { useEffect, useMemo, useState } from "react";
import { Button, buttonClasses } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import { RelativeTime } from "@/components/ui/relative-time";
import { base64ToBytes, bytesToBase64, decodeText, formatBytes, queryPairs } from "@/lib/body";
import { toCurl } from "@/lib/curl";
import { answerLabel } from "@/lib/responses";
import type { RequestDetail } from "@/lib/types";
import { CapturedBody } from "./captured-body";
import { CopyAs } from "./copy-as";
import { ForwardPanel } from "./forward-panel";
import { KeyValueTable } from "./key-value-table";
import { MethodBadge } from "./method-badge";
import { SignatureVerdictPanel } from "./signature-verdict";
import type { ProviderId } from "@/lib/signature-providers";
import { displayPath } from "./request-list";
import type { LiveForwardAttempt } from "./use-live-requests";

type Load = { state: "loading" } | { state: "error"; message: string } | { state: "ready"; request: RequestDetail; body: Uint8Array };

type Props = {
  binId: string;
  requestId: string;
  onDeleted: (id: string) => void;
  onSetUpSignature: (provider: ProviderId) => void;
  /** The bin's signature provider, or null without a check: decides whether re-signing is offered. */
  signatureProvider: ProviderId | null;
  /** The bin's latest live auto-forward attempt; the forward panel reloads when it is this capture's. */
  liveForwardAttempt?: LiveForwardAttempt | null;
  /** A share link's view: no delete, no forwarding, no one-off signature checks. */
  readOnly?: boolean;
};

export function RequestDetailPanel({ binId, requestId, onDeleted, onSetUpSignature, signatureProvider, liveForwardAttempt = null, readOnly = false }: Props) {
  const [load, setLoad] = useState<Load>({ state: "loading" });
  const [deleting, setDeleting] = useState(false);

  useEffect(() => {
    const controller = new AbortController();
    fetch(`/api/bins/${binId}/requests/${requestId}`, { signal: controller.signal })
      .then(async (response) => {
        if (response.status === 404) throw new Error("This request was deleted.");
        if (!response.ok) throw new Error(`Could not load the request (${response.status}).`);
        const request = (await response.json()) as RequestDetail;
        setLoad({ state: "ready", request, body: base64ToBytes(request.bodyBase64) });
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        setLoad({ state: "error", message: error instanceof Error ? error.message : "Could not load the request." });
      });
    return () => controller.abort();
  }, [binId, requestId]);

  if (load.state === "loading") {
    return (
      <p role="status" className="p-6 text-sm text-zinc-500">
        Loading request…
      </p>
    );
  }
  if (load.state === "error") {
    return (
      <p role="alert" className="p-6 text-sm text-red-600">
        {load.message}
      </p>
    );
  }

  const { request, body } = load;

  async function remove() {
    setDeleting(true);
    const response = await fetch(`/api/bins/${binId}/requests/${requestId}`, { method: "DELETE" }).catch(() => null);
    if (!response) {
      setDeleting(false);
      setLoad({ state: "error", message: "Could not reach Hookyard; the request was not deleted." });
      return;
    }
    if (response.ok || response.status === 404) {
      onDeleted(requestId);
      return;
    }
    setDeleting(false);
    setLoad({ state: "error", message: `Could not delete the request (${response.status}).` });
  }

  const rawUrl = `/api/bins/${binId}/requests/${requestId}/raw`;
  return (
    <article className="flex flex-col gap-5 p-4" aria-labelledby="detail-heading">
      <header className="flex flex-col gap-2">
        <h2 id="detail-heading" className="flex min-w-0 items-center gap-2">
          <MethodBadge method={request.method} />
          <span className="truncate font-mono text-sm" data-testid="detail-path">
            {displayPath(request)}
          </span>
        </h2>
        <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-xs text-zinc-600 sm:grid-cols-4 dark:text-zinc-400">
          <Fact label="Received">
            <RelativeTime epochMs={request.receivedAt} />
          </Fact>
          <Fact label="Size">{formatBytes(request.size)}</Fact>
          <Fact label="From">{request.ip}</Fact>
          <Fact label="Content type">{request.contentType ?? "none"}</Fact>
          {request.answer && (
            <Fact label="Answered">
              <span data-testid="detail-answer">{answerLabel(request.answer)}</span>
            </Fact>
          )}
        </dl>
        <p className="break-all font-mono text-xs text-zinc-500">{request.url}</p>
        <div className="flex flex-wrap gap-2">
          {/* Built on click: a command holding a large body is several times its size. */}
          <CopyButton text={() => toCurl({ ...request, body })} label="Copy as cURL" />
          <CopyAs request={request} body={body} />
          {request.size > 0 && (
            <a className={buttonClasses("secondary")} href={`${rawUrl}?download=1`} download>
              Download body
            </a>
          )}
          {request.encoding?.decodedSize != null && (
            <a className={buttonClasses("secondary")} href={`${rawUrl}?decoded=1&download=1`} download>
              Download decoded
            </a>
          )}
          {!readOnly && (
            <Button variant="danger" onClick={() => void remove()} disabled={deleting}>
              {deleting ? "Deleting…" : "Delete"}
            </Button>
          )}
        </div>
      </header>
      <Section title="Signature">
        <SignatureVerdictPanel
          binId={binId}
          requestId={requestId}
          verdict={request.signature}
          suggestedProvider={request.suggestedProvider}
          onSetUp={onSetUpSignature}
          readOnly={readOnly}
        />
      </Section>
      <Section title="Query parameters">
        <KeyValueTable rows={queryPairs(request.query)} empty="No query string." label="Query parameters" copyable />
      </Section>
      <Section title={`Headers (${request.headers.length})`}>
        <KeyValueTable rows={request.headers} empty="No headers." label="Headers" copyable />
      </Section>
      <Section title="Body" action={body.length > 0 && <CopyBody body={body} />}>
        <CapturedBody requestUrl={`/api/bins/${binId}/requests/${requestId}`} request={request} body={body} />
      </Section>
      {!readOnly && (
        <Section title="Forward">
          <ForwardPanel binId={binId} request={request} body={body} provider={signatureProvider} liveAttempt={liveForwardAttempt} />
        </Section>
      )}
    </article>
  );
}

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="font-semibold uppercase tracking-wide text-zinc-400">{label}</dt>
      <dd className="truncate">{children}</dd>
    </div>
  );
}

function Section({ title, action, children }: { title: string; action?: React.ReactNode; children: React.ReactNode }) {
  return (
    <section>
      <div className="mb-2 flex items-center justify-between gap-2">
        <h3 className="text-xs font-semibold uppercase tracking-wide text-zinc-500">{title}</h3>
        {action}
      </div>
      {children}
    </section>
  );
}

/** The body's text; a body that is not text goes as base64 (the button says so), never as mangled text. */
function CopyBody({ body }: { body: Uint8Array }) {
  const isText = useMemo(() => decodeText(body) !== null, [body]);
  return isText ? (
    <CopyButton text={() => decodeText(body) ?? ""} label="Copy body" />
  ) : (
    <CopyButton text={() => bytesToBase64(body)} label="Copy body as base64" />
  );
}
