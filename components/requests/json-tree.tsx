"use client";

import { useVirtualizer } from "@tanstack/react-virtual";
import { useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import { formatCount } from "@/lib/format";
import {
  type JsonContainer,
  type JsonMatch,
  type JsonRow,
  childCount,
  displayText,
  initialExpansion,
  isContainer,
  jsonSearchMaxMatches,
  pathTo,
  rowIndexOf,
  scalarText,
  searchJson,
  visibleRows,
} from "@/lib/json-tree";

const rowHeight = 20;

/**
 * A JSON value as a tree of text nodes. Only the rows scrolled into view are rendered
 * (a 10 MiB event is a few hundred thousand rows), children only once their container
 * is expanded, and a large value opens collapsed below its first level. The search box
 * finds keys and values anywhere, expanding the way down to the current match.
 */
export function JsonTree({ value }: { value: JsonContainer }) {
  const [expanded, setExpanded] = useState(() => initialExpansion(value));
  const [query, setQuery] = useState("");
  // Typing stays responsive: the search over a large value runs after the keystroke renders.
  const deferredQuery = useDeferredValue(query.trim());
  const search = useMemo(() => searchJson(value, deferredQuery), [value, deferredQuery]);
  const [current, setCurrent] = useState(0);
  // While following, the way down to the current match is expanded on top of what the
  // reader expanded; a toggle by hand keeps that way open and stops following.
  const [following, setFollowing] = useState(true);
  const currentMatch = search.matches[Math.min(current, search.matches.length - 1)] ?? null;
  const shown = useMemo(() => {
    if (!following || currentMatch === null) return expanded;
    return new Set([...expanded, ...pathTo(currentMatch, search.parents)]);
  }, [expanded, following, currentMatch, search]);
  const rows = useMemo(() => visibleRows(value, shown), [value, shown]);
  const matched = useMemo(() => matchIndex(search.matches), [search]);
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => rowHeight, overscan: 30 });

  useEffect(() => {
    if (!following || currentMatch === null) return;
    const row = rowIndexOf(rows, currentMatch);
    if (row >= 0) virtualizer.scrollToIndex(row, { align: "center" });
  }, [following, currentMatch, rows, virtualizer]);

  function toggle(container: JsonContainer) {
    const next = new Set(shown);
    if (next.has(container)) next.delete(container);
    else next.add(container);
    setExpanded(next);
    setFollowing(false);
  }

  function step(delta: number) {
    const count = search.matches.length;
    if (count === 0) return;
    setCurrent((((Math.min(current, count - 1) + delta) % count) + count) % count);
    setFollowing(true);
  }

  const countLabel =
    deferredQuery === ""
      ? ""
      : search.matches.length === 0
        ? "No matches"
        : `${formatCount(Math.min(current, search.matches.length - 1) + 1)} of ${formatCount(search.matches.length)}${search.more ? "+" : ""}`;

  return (
    <div className="flex flex-col gap-2">
      <form
        role="search"
        className="flex flex-wrap items-center gap-2"
        onSubmit={(event) => {
          event.preventDefault();
          step(1);
        }}
      >
        <input
          type="search"
          value={query}
          onChange={(event) => {
            setQuery(event.target.value);
            setCurrent(0);
            setFollowing(true);
          }}
          placeholder="Search keys and values"
          aria-label="Search the JSON"
          className="min-w-0 flex-1 rounded border border-zinc-300 bg-white px-2 py-1 text-xs dark:border-zinc-600 dark:bg-zinc-900"
        />
        <span className="text-xs text-zinc-500" data-testid="json-search-count" aria-live="polite">
          {countLabel}
          {search.more && ` (the first ${formatCount(jsonSearchMaxMatches)} are listed)`}
        </span>
        <button type="button" className={smallButton} onClick={() => step(-1)} disabled={search.matches.length === 0} aria-label="Previous match">
          ↑
        </button>
        <button type="button" className={smallButton} onClick={() => step(1)} disabled={search.matches.length === 0} aria-label="Next match">
          ↓
        </button>
      </form>
      <div
        ref={scroller}
        className="max-h-[32rem] overflow-auto rounded bg-zinc-50 p-2 font-mono text-xs text-zinc-900 dark:bg-zinc-900 dark:text-zinc-100"
        data-testid="json-tree"
      >
        <div role="tree" aria-label="JSON" style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = rows[item.index]!;
            return (
              <TreeRow
                key={item.key}
                row={row}
                top={item.start}
                expanded={isContainer(row.value) && shown.has(row.value)}
                onToggle={toggle}
                query={deferredQuery}
                hit={matched.get(row.parent)?.has(row.key) ?? false}
                isCurrent={currentMatch !== null && currentMatch.parent === row.parent && currentMatch.key === row.key}
              />
            );
          })}
        </div>
      </div>
    </div>
  );
}

const smallButton = "rounded px-2 py-0.5 text-xs text-zinc-600 hover:bg-zinc-100 disabled:opacity-40 dark:text-zinc-300 dark:hover:bg-zinc-800";

/** Matches by parent and key, for a constant-time check per rendered row. */
function matchIndex(matches: readonly JsonMatch[]): Map<JsonContainer | null, Set<string | number | null>> {
  const index = new Map<JsonContainer | null, Set<string | number | null>>();
  for (const match of matches) {
    const keys = index.get(match.parent) ?? new Set();
    keys.add(match.key);
    index.set(match.parent, keys);
  }
  return index;
}

type RowProps = {
  row: JsonRow;
  top: number;
  expanded: boolean;
  onToggle: (container: JsonContainer) => void;
  query: string;
  hit: boolean;
  isCurrent: boolean;
};

function TreeRow({ row, top, expanded, onToggle, query, hit, isCurrent }: RowProps) {
  const container = isContainer(row.value) ? row.value : null;
  // Past 40 levels the indent stops growing, so a deep value stays on screen.
  const indent = Math.min(row.depth, 40) * 14;
  return (
    <div
      role="treeitem"
      aria-level={row.depth + 1}
      aria-expanded={container ? expanded : undefined}
      aria-selected={isCurrent}
      data-current-match={isCurrent ? "" : undefined}
      className={`absolute left-0 flex w-full items-center whitespace-pre ${isCurrent ? "bg-amber-200 dark:bg-amber-800" : hit ? "bg-amber-50 dark:bg-amber-950" : ""}`}
      style={{ top, height: rowHeight, paddingLeft: indent }}
    >
      {container ? (
        <button type="button" onClick={() => onToggle(container)} className="mr-1 w-4 text-zinc-500" aria-label={expanded ? "Collapse" : "Expand"}>
          {expanded ? "▾" : "▸"}
        </button>
      ) : (
        <span className="mr-1 inline-block w-4" />
      )}
      {row.key !== null && (
        <span className="text-indigo-700 dark:text-indigo-300">
          {typeof row.key === "number" ? row.key : <Highlighted text={row.key} query={query} />}
          {": "}
        </span>
      )}
      {container ? <Summary container={container} expanded={expanded} /> : <Scalar value={row.value} query={query} />}
      {row.depth > 40 && <span className="ml-2 text-zinc-400">(level {row.depth})</span>}
    </div>
  );
}

function Summary({ container, expanded }: { container: JsonContainer; expanded: boolean }) {
  const count = childCount(container);
  const [open, close] = Array.isArray(container) ? ["[", "]"] : ["{", "}"];
  const noun = Array.isArray(container) ? (count === 1 ? "item" : "items") : count === 1 ? "key" : "keys";
  return (
    <span className="text-zinc-500">
      {expanded ? open : `${open}…${close}`} {formatCount(count)} {noun}
    </span>
  );
}

function Scalar({ value, query }: { value: unknown; query: string }) {
  const text = scalarText(value);
  const colour =
    typeof value === "string"
      ? "text-emerald-700 dark:text-emerald-300"
      : typeof value === "number"
        ? "text-sky-700 dark:text-sky-300"
        : "text-rose-700 dark:text-rose-300";
  const quote = typeof value === "string" ? '"' : "";
  const { cut } = displayText(text);
  return (
    <span className={colour}>
      {quote}
      <Highlighted text={text} query={query} />
      {quote}
      {cut > 0 && <span className="ml-1 text-zinc-400">… {formatCount(cut)} more characters (see Raw)</span>}
    </span>
  );
}

/** The text with each occurrence of the query marked, as text nodes inside `<mark>`. */
function Highlighted({ text, query }: { text: string; query: string }) {
  const { text: shown } = displayText(text);
  if (query === "") return <>{shown}</>;
  const lower = shown.toLowerCase();
  const needle = query.toLowerCase();
  const parts: React.ReactNode[] = [];
  let at = 0;
  for (let found = lower.indexOf(needle); found >= 0 && parts.length < 100; found = lower.indexOf(needle, at)) {
    if (found > at) parts.push(shown.slice(at, found));
    parts.push(
      <mark key={found} className="bg-amber-300 text-inherit dark:bg-amber-600">
        {shown.slice(found, found + needle.length)}
      </mark>,
    );
    at = found + needle.length;
  }
  parts.push(shown.slice(at));
  return <>{parts}</>;
}
