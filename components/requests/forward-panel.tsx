"use client";

import { useEffect, useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { LocalTime } from "@/components/ui/local-time";
import { base64ToBytes, bytesToBase64, decodeText, formatBytes } from "@/lib/body";
import { endToEndHeaders, formatHeaderLines, parseHeaderLines } from "@/lib/forward-headers";
import { type ProviderId, canResign, providers } from "@/lib/signature-providers";
import { formatTime } from "@/lib/format";
import type { ForwardAttemptDto, ForwardJobDto, ForwardList, HeaderPair, RequestDetail } from "@/lib/types";
import { BodyViewer } from "./body-viewer";
import { KeyValueTable } from "./key-value-table";
import type { LiveForwardAttempt } from "./use-live-requests";

type Props = {
  binId: string;
  request: RequestDetail;
  body: Uint8Array;
  /** The bin's signature provider, when it has a check; offers re-signing if the scheme allows. */
  provider: ProviderId | null;
  /** The bin's latest live auto-forward attempt: when it is this capture's, the attempts are read again. */
  liveAttempt?: LiveForwardAttempt | null;
};

type ForwardEdits = { method: string; headers: string; body: string };

const inputClasses =
  "w-full rounded-md border border-zinc-300 bg-white px-2 py-1.5 font-mono text-sm text-zinc-900 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:border-zinc-700 dark:bg-zinc-950 dark:text-zinc-100";

/**
 * Sends the capture on to a target, as captured or edited, and lists every attempt
 * with the target's answer. The answer is hostile content: shown through BodyViewer
 * and KeyValueTable, as text only.
 */
export function ForwardPanel({ binId, request, body, provider, liveAttempt = null }: Props) {
  const ids = useId();
  const forwardsUrl = `/api/bins/${binId}/requests/${request.id}/forwards`;
  const [list, setList] = useState<ForwardList | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [url, setUrl] = useState("");
  const [appendPath, setAppendPath] = useState(true);
  const [resign, setResign] = useState(false);
  const [editing, setEditing] = useState(false);
  const [edits, setEdits] = useState<ForwardEdits>(() => initialEdits(request, body));
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    // Auto-forward made an attempt for this capture: the answer's body is not in the event, so read the list.
    if (liveAttempt?.attempt.requestId === request.id) setReloads((current) => current + 1);
  }, [liveAttempt, request.id]);

  useEffect(() => {
    const controller = new AbortController();
    fetch(forwardsUrl, { signal: controller.signal })
      .then(async (response) => {
        if (!response.ok) throw new Error(`Could not load the forwarding attempts (${response.status}).`);
        const loaded = (await response.json()) as ForwardList;
        // A forward sent while this list was loading may be missing from it: keep it.
        setList((current) => withAttemptsKept(loaded, current));
        // Prefill with the bin's remembered target unless the user already typed one.
        setUrl((current) => current || loaded.rememberedUrl || "");
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        setLoadError(error instanceof Error ? error.message : "Could not load the forwarding attempts.");
      });
    return () => controller.abort();
  }, [forwardsUrl, reloads]);

  const resignable = provider !== null && canResign(provider);
  const textBody = decodeText(body);

  async function send(event: React.FormEvent) {
    event.preventDefault();
    setProblem(null);
    const payload: Record<string, unknown> = { url: url.trim(), appendPath, resign: resignable && resign };
    if (editing) {
      const changes = editedFields(request, body, edits);
      if ("problem" in changes) {
        setProblem(changes.problem);
        return;
      }
      Object.assign(payload, changes.fields);
    }
    setPending(true);
    try {
      const response = await fetch(`/api/bins/${binId}/requests/${request.id}/forward`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(payload),
      });
      const answer = (await response.json().catch(() => null)) as (ForwardAttemptDto & { message?: string }) | null;
      if (!response.ok || !answer) {
        setProblem(answer?.message ?? `Could not forward (${response.status}).`);
        return;
      }
      setList((current) => ({
        attempts: [...(current?.attempts ?? []), answer],
        rememberedUrl: answer.target,
        recentUrls: [answer.target, ...(current?.recentUrls ?? []).filter((recent) => recent !== answer.target)],
        job: current?.job ?? null,
      }));
    } catch {
      setProblem("Could not reach Hookyard to forward the request.");
    } finally {
      setPending(false);
    }
  }

  const attempts = list?.attempts ?? [];
  const latest = attempts.at(-1);
  return (
    <div className="flex flex-col gap-3" data-testid="forward-panel">
      <form onSubmit={(event) => void send(event)} className="flex flex-col gap-2" aria-label="Forward this request">
        <label htmlFor={`${ids}-url`} className="text-xs font-medium text-zinc-600 dark:text-zinc-400">
          Target URL
        </label>
        <div className="flex flex-wrap gap-2">
          <input
            id={`${ids}-url`}
            type="url"
            required
            placeholder="http://localhost:3000/webhooks"
            className={`${inputClasses} min-w-0 flex-1`}
            list={`${ids}-recent`}
            value={url}
            onChange={(event) => setUrl(event.target.value)}
          />
          <datalist id={`${ids}-recent`}>
            {(list?.recentUrls ?? []).map((recent) => (
              <option key={recent} value={recent} />
            ))}
          </datalist>
          <Button type="submit" variant="primary" disabled={pending} aria-busy={pending}>
            {pending ? "Forwarding…" : editing ? "Send edited" : "Forward"}
          </Button>
        </div>
        <div className="flex flex-wrap gap-x-4 gap-y-1 text-sm">
          <Toggle checked={appendPath} onChange={setAppendPath}>
            Append sub-path and query <span className="font-mono text-xs text-zinc-500">{subPath(request) || "(none)"}</span>
          </Toggle>
          {resignable && (
            <Toggle checked={resign} onChange={setResign}>
              {/* GitHub and Shopify sign no timestamp: re-signing is for an edited body. */}
              {providers[provider].toleranceSeconds ? "Re-sign with a fresh timestamp" : "Re-sign"} ({providers[provider].label})
            </Toggle>
          )}
          <Toggle checked={editing} onChange={setEditing}>
            Edit and send
          </Toggle>
        </div>
        {editing && (
          <fieldset className="flex flex-col gap-2 rounded-md border border-zinc-200 p-3 dark:border-zinc-800">
            <legend className="px-1 text-xs font-medium text-zinc-600 dark:text-zinc-400">Edited request</legend>
            <label className="flex flex-col gap-1 text-xs font-medium text-zinc-600 dark:text-zinc-400">
              Method
              <input className={`${inputClasses} w-40`} value={edits.method} onChange={(event) => setEdits({ ...edits, method: event.target.value })} />
            </label>
            <label className="flex flex-col gap-1 text-xs font-medium text-zinc-600 dark:text-zinc-400">
              Headers, one “Name: value” a line (Host, Content-Length and other hop-by-hop headers are set for the connection)
              <textarea
                rows={Math.min(12, Math.max(3, edits.headers.split("\n").length))}
                className={inputClasses}
                spellCheck={false}
                value={edits.headers}
                onChange={(event) => setEdits({ ...edits, headers: event.target.value })}
              />
            </label>
            {textBody === null ? (
              <p className="text-xs text-zinc-500">The body is binary ({formatBytes(body.length)}): it is sent exactly as captured.</p>
            ) : (
              <label className="flex flex-col gap-1 text-xs font-medium text-zinc-600 dark:text-zinc-400">
                Body
                <textarea
                  rows={8}
                  className={inputClasses}
                  spellCheck={false}
                  value={edits.body}
                  onChange={(event) => setEdits({ ...edits, body: event.target.value })}
                />
              </label>
            )}
          </fieldset>
        )}
        {problem && (
          <p role="alert" className="text-sm text-red-600 wrap-anywhere">
            {problem}
          </p>
        )}
      </form>
      {loadError && (
        <p role="alert" className="text-sm text-red-600 wrap-anywhere">
          {loadError}
        </p>
      )}
      {list?.job && <AutoForwardStatus job={list.job} />}
      {/* A refused try is the newest outcome: the answer to an earlier one would read as its. */}
      <div aria-live="polite">{latest && !problem && <AttemptAnswer key={latest.id} attempt={latest} />}</div>
      {attempts.length > 0 && (
        <div>
          <h4 className="mb-1 text-xs font-semibold text-zinc-500">Attempts ({attempts.length})</h4>
          <ol className="flex flex-col gap-1" aria-label="Forwarding attempts" data-testid="forward-attempts">
            {attempts.map((attempt, index) => (
              <li key={attempt.id}>
                <details className="rounded border border-zinc-200 text-xs dark:border-zinc-800">
                  <summary className="flex cursor-pointer flex-wrap items-center gap-2 px-2 py-1 focus-visible:outline-2 focus-visible:outline-indigo-500">
                    <span className="text-zinc-500">#{index + 1}</span>
                    <LocalTime epochMs={attempt.createdAt} />
                    <span className="font-mono">{attempt.method}</span>
                    <span className="min-w-0 truncate font-mono">{attempt.url}</span>
                    <Outcome attempt={attempt} />
                    {attempt.resigned && <span className="text-zinc-500">re-signed</span>}
                    {attempt.automatic && <span className="text-zinc-500">auto</span>}
                  </summary>
                  <div className="flex flex-col gap-2 border-t border-zinc-200 p-2 dark:border-zinc-800">
                    <p className="font-semibold text-zinc-500">Sent headers</p>
                    <KeyValueTable rows={attempt.requestHeaders} empty="No headers." label={`Headers sent in attempt ${index + 1}`} />
                    {attempt.resigned && (
                      <p className="text-zinc-500">The signatures Hookyard computed went to the target but are not kept: they read (re-signed).</p>
                    )}
                    <AttemptAnswer attempt={attempt} />
                  </div>
                </details>
              </li>
            ))}
          </ol>
        </div>
      )}
    </div>
  );
}

/** Where this capture's auto-forward stands, in words. */
function AutoForwardStatus({ job }: { job: ForwardJobDto }) {
  const tries = `${job.attempts} of ${job.maxAttempts} ${job.maxAttempts === 1 ? "attempt" : "attempts"}`;
  const text =
    job.state === "delivered"
      ? `Auto-forwarded to ${job.target} (${tries}).`
      : job.state === "failed"
        ? `Auto-forward to ${job.target} gave up after ${tries}: ${job.lastError ?? "no answer"}.`
        : job.state === "running"
          ? `Auto-forwarding to ${job.target} now (${tries} made).`
          : `Auto-forward to ${job.target}: ${job.lastError ? `${job.lastError}; ` : ""}next attempt at ${formatTime(job.nextAttemptAt ?? Date.now())} (${tries} made).`;
  return (
    <p role="status" className="break-all text-sm text-zinc-600 dark:text-zinc-400" data-testid="auto-forward-status">
      {text}
    </p>
  );
}

function Toggle({ checked, onChange, children }: { checked: boolean; onChange: (value: boolean) => void; children: React.ReactNode }) {
  return (
    <label className="flex items-center gap-1.5">
      <input type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} className="size-4 accent-indigo-600" />
      <span>{children}</span>
    </label>
  );
}

function Outcome({ attempt }: { attempt: ForwardAttemptDto }) {
  if (attempt.status === null) return <span className="font-semibold text-red-600">failed · {attempt.durationMs} ms</span>;
  const colour = attempt.status < 300 ? "text-emerald-600" : attempt.status < 500 ? "text-amber-600" : "text-red-600";
  return (
    <span className={`font-semibold ${colour}`}>
      {attempt.status} · {attempt.durationMs} ms
    </span>
  );
}

/** The target's answer (status, duration, headers, body) or the network error in words. */
function AttemptAnswer({ attempt }: { attempt: ForwardAttemptDto }) {
  if (attempt.error !== null) {
    return (
      <p role="alert" className="text-sm text-red-600 wrap-anywhere" data-testid="forward-error">
        No answer after {attempt.durationMs} ms: {attempt.error}
      </p>
    );
  }
  const contentType = attempt.headers.find(([name]) => name.toLowerCase() === "content-type")?.[1] ?? null;
  return (
    <div className="flex flex-col gap-2" data-testid="forward-answer">
      <p className="text-sm">
        Target answered <Outcome attempt={attempt} />
      </p>
      <KeyValueTable rows={attempt.headers} empty="No headers." label="Target answer headers" />
      <BodyViewer bytes={base64ToBytes(attempt.bodyBase64)} contentType={contentType} />
      {attempt.bodyTruncated && (
        <p className="text-xs text-zinc-500">The answer was longer: only its first {formatBytes(base64ToBytes(attempt.bodyBase64).length)} are kept.</p>
      )}
    </div>
  );
}

function subPath(request: RequestDetail): string {
  return `${request.path}${request.query ? `?${request.query}` : ""}`;
}

function initialEdits(request: RequestDetail, body: Uint8Array): ForwardEdits {
  return { method: request.method, headers: formatHeaderLines(endToEndHeaders(request.headers)), body: decodeText(body) ?? "" };
}

/** Only what the user changed is sent, so an untouched field keeps the captured bytes exactly. */
function editedFields(request: RequestDetail, body: Uint8Array, edits: ForwardEdits): { fields: Record<string, unknown> } | { problem: string } {
  const original = initialEdits(request, body);
  const fields: Record<string, unknown> = {};
  if (edits.method.trim() !== original.method) fields.method = edits.method.trim();
  if (edits.headers !== original.headers) {
    const parsed = parseHeaderLines(edits.headers);
    if ("problem" in parsed) return parsed;
    fields.headers = parsed.headers satisfies HeaderPair[];
  }
  if (decodeText(body) !== null && edits.body !== original.body) fields.bodyBase64 = bytesToBase64(new TextEncoder().encode(edits.body));
  return { fields };
}

/** `loaded`, plus the attempts `current` shows that `loaded` does not have (newer, so last). */
function withAttemptsKept(loaded: ForwardList, current: ForwardList | null): ForwardList {
  const known = new Set(loaded.attempts.map((attempt) => attempt.id));
  const missing = (current?.attempts ?? []).filter((attempt) => !known.has(attempt.id));
  return missing.length === 0 ? loaded : { ...loaded, attempts: [...loaded.attempts, ...missing] };
}
