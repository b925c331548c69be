"use client";

import { type FormEvent, useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { formatCount } from "@/lib/format";
import { maxCapturesCeiling } from "@/lib/types";
import { useBinPatch } from "./patch-bin";

type Props = {
  binId: string;
  /** Captures the bin holds now. */
  total: number;
  /** Captures it keeps: its own limit, else MAX_CAPTURES_PER_BIN. */
  limit: number;
  onSaved: (limit: number) => void;
};

/** "412 / 1,000 kept", with an editor for the bin's own limit. */
export function CaptureLimit({ binId, total, limit, onSaved }: Props) {
  const id = useId();
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(String(limit));
  const { pending, error, setError, save: patch } = useBinPatch(binId, "Could not save the limit.");

  function open() {
    setValue(String(limit));
    setError(null);
    setEditing(true);
  }

  async function save(maxCaptures: number | null) {
    const bin = await patch({ maxCaptures });
    if (!bin) return;
    onSaved(bin.captureLimit);
    setEditing(false);
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    // The server judges the number (whole, 1 to the ceiling) and says why it refuses one.
    const keep = Number(value);
    const lost = Number.isInteger(keep) && keep >= 1 ? total - keep : 0;
    // Lowering the limit deletes at once, like Clear, which asks too.
    if (lost > 0 && !window.confirm(`Keep ${formatCount(keep)}? The ${formatCount(lost)} oldest request${lost === 1 ? " is" : "s are"} deleted now.`)) return;
    void save(keep);
  }

  if (!editing) {
    return (
      <span className="flex items-center gap-1 text-xs text-zinc-500">
        <span data-testid="capture-limit" title="Older requests are deleted as new ones arrive.">
          {formatCount(total)} / {formatCount(limit)} kept
        </span>
        <Button variant="ghost" onClick={open} className="px-1.5 py-0.5 text-xs" aria-label="Edit how many requests this bin keeps">
          Edit
        </Button>
      </span>
    );
  }

  return (
    <form onSubmit={submit} aria-label="Requests kept" className="flex flex-wrap items-center gap-1 text-xs">
      <label htmlFor={`${id}-limit`} className="text-zinc-500">
        Keep
      </label>
      <input
        id={`${id}-limit`}
        type="number"
        min={1}
        max={maxCapturesCeiling}
        step={1}
        required
        value={value}
        onChange={(event) => setValue(event.target.value)}
        className="w-20 rounded-md border border-zinc-300 bg-white px-1.5 py-0.5 font-mono focus-visible:outline-2 focus-visible:outline-indigo-500 dark:border-zinc-700 dark:bg-zinc-950"
      />
      <Button type="submit" variant="primary" disabled={pending || value.trim() === ""} className="px-2 py-0.5 text-xs">
        {pending ? "Saving…" : "Save"}
      </Button>
      <Button
        variant="ghost"
        disabled={pending}
        onClick={() => void save(null)}
        className="px-2 py-0.5 text-xs"
        title="Back to the instance's MAX_CAPTURES_PER_BIN"
      >
        Default
      </Button>
      <Button variant="ghost" disabled={pending} onClick={() => setEditing(false)} className="px-2 py-0.5 text-xs">
        Cancel
      </Button>
      {error && (
        <p role="alert" className="basis-full text-red-600 dark:text-red-400">
          {error}
        </p>
      )}
    </form>
  );
}
