"use client";

import { type KeyboardEvent, useRef } from "react";
import { RelativeTime } from "@/components/ui/relative-time";
import { formatBytes } from "@/lib/body";
import type { RequestSummary } from "@/lib/types";
import { MethodBadge } from "./method-badge";
import { SignatureBadge } from "./signature-badge";

type Props = {
  requests: RequestSummary[];
  selectedId: string | null;
  /** `byPointer`: chosen by a click or tap rather than from the keyboard. */
  onSelect: (requestId: string, byPointer: boolean) => void;
};

/** The captures, newest first. Arrow keys (or j/k) move the selection. */
export function RequestList({ requests, selectedId, onSelect }: Props) {
  const listRef = useRef<HTMLUListElement>(null);

  function onKeyDown(event: KeyboardEvent<HTMLUListElement>) {
    const step = event.key === "ArrowDown" || event.key === "j" ? 1 : event.key === "ArrowUp" || event.key === "k" ? -1 : 0;
    if (step === 0 || requests.length === 0) return;
    event.preventDefault();
    const current = requests.findIndex((request) => request.id === selectedId);
    const next = requests[Math.min(requests.length - 1, Math.max(0, current + step))];
    if (!next) return;
    onSelect(next.id, false);
    listRef.current?.querySelector<HTMLButtonElement>(`[data-request-id="${next.id}"]`)?.focus();
  }

  // One Tab stop for the whole list, the selected row (else the first): arrows and j/k
  // move within it, so a long list does not stand between the keyboard and the detail.
  const tabStop = requests.some((request) => request.id === selectedId) ? selectedId : requests[0]?.id;

  return (
    <ul ref={listRef} aria-label="Captured requests" className="divide-y divide-zinc-200 dark:divide-zinc-800" onKeyDown={onKeyDown}>
      {requests.map((request) => {
        const selected = request.id === selectedId;
        return (
          <li key={request.id}>
            <button
              type="button"
              data-request-id={request.id}
              tabIndex={request.id === tabStop ? 0 : -1}
              aria-current={selected ? "true" : undefined}
              onClick={(event) => onSelect(request.id, event.detail > 0)}
              className={`flex w-full flex-col gap-1 px-3 py-2 text-left focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-indigo-500 ${
                selected ? "bg-indigo-50 dark:bg-indigo-950/60" : "hover:bg-zinc-50 dark:hover:bg-zinc-800/60"
              }`}
            >
              <span className="flex items-center gap-2">
                <MethodBadge method={request.method} />
                <span className="min-w-0 flex-1 truncate font-mono text-sm" title={displayPath(request)}>
                  {displayPath(request)}
                </span>
                <SignatureBadge verdict={request.signature} />
              </span>
              <span className="flex items-center justify-between text-xs text-zinc-500">
                <RelativeTime epochMs={request.receivedAt} />
                <span>{formatBytes(request.size)}</span>
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

export function displayPath(request: Pick<RequestSummary, "path" | "query">): string {
  return `${request.path || "/"}${request.query ? `?${request.query}` : ""}`;
}
