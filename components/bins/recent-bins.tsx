"use client";

import Link from "next/link";
import { useSyncExternalStore } from "react";
import { LocalTime } from "@/components/ui/local-time";
import { type RecentBin, recentBinsSnapshot, subscribeToRecentBins } from "@/lib/recent-bins";

// localStorage exists only in the browser: the server renders the empty state.
const noBins: RecentBin[] = [];

export function RecentBins() {
  const bins = useSyncExternalStore(subscribeToRecentBins, recentBinsSnapshot, () => noBins);
  return (
    <section aria-labelledby="recent-bins-heading" className="mt-10">
      <h2 id="recent-bins-heading" className="text-sm font-semibold uppercase tracking-wide text-zinc-500">
        Your recent bins
      </h2>
      {bins.length === 0 ? (
        <p className="mt-2 text-sm text-zinc-500">Bins you open in this browser are listed here.</p>
      ) : (
        <ul className="mt-2 divide-y divide-zinc-200 rounded-md border border-zinc-200 bg-white dark:divide-zinc-800 dark:border-zinc-800 dark:bg-zinc-900">
          {bins.map((bin) => (
            <li key={bin.id}>
              <Link
                href={`/bins/${bin.id}`}
                className="flex items-center justify-between gap-4 px-4 py-2 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:hover:bg-zinc-800"
              >
                <span className="truncate font-mono text-sm">{bin.url}</span>
                <LocalTime className="shrink-0 text-xs text-zinc-500" epochMs={bin.openedAt} withDate />
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
