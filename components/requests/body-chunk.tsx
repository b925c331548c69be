"use client";

import { canShowMore, shownLabel } from "@/lib/body-chunks";
import { formatBytes } from "@/lib/body";

/** What part of the body a bounded view shows, with "Show more" while more may be shown. */
export function ChunkNote({ shown, total, onMore }: { shown: number; total: number; onMore: () => void }) {
  const label = shownLabel(shown, total);
  if (label === null) return null;
  return (
    <p className="mt-2 flex flex-wrap items-center gap-2 text-xs text-zinc-500" data-testid="body-shown">
      <span>{label}.</span>
      {canShowMore(shown, total) ? (
        <button
          type="button"
          onClick={onMore}
          className="rounded px-2 py-0.5 font-medium text-indigo-700 hover:bg-zinc-100 dark:text-indigo-300 dark:hover:bg-zinc-800"
        >
          Show more
        </button>
      ) : (
        <span>Download the body for the remaining {formatBytes(total - shown)}.</span>
      )}
    </p>
  );
}
