"use client";

import { useId } from "react";
import { useBinPatch } from "./patch-bin";

type Props = {
  binId: string;
  cors: boolean;
  onSaved: (cors: boolean) => void;
};

/** The bin's CORS switch: a checkbox saved as soon as it changes, with what it does in one line. */
export function CorsSetting({ binId, cors, onSaved }: Props) {
  const id = useId();
  const { pending, error, save } = useBinPatch(binId, "Could not save the CORS setting.");

  async function toggle(next: boolean) {
    const bin = await save({ cors: next });
    if (bin) onSaved(bin.cors);
  }

  return (
    <div className="mt-3 border-t border-zinc-200 pt-3 text-sm dark:border-zinc-800">
      <label className="flex items-center gap-2 font-medium" htmlFor={`${id}-cors`}>
        <input id={`${id}-cors`} type="checkbox" checked={cors} disabled={pending} onChange={(event) => void toggle(event.target.checked)} />
        <span>Answer browsers (CORS)</span>
      </label>
      <p className="mt-1 text-xs text-zinc-500" id={`${id}-cors-help`}>
        {cors
          ? "On: pages on any origin may send with fetch and read the answer; their OPTIONS preflights get 204 (and are still captured), whatever the rules say."
          : "Off: OPTIONS is answered like any method, by the rules, and no CORS headers are sent, so a page on another origin cannot send JSON here."}
      </p>
      {error && (
        <p role="alert" className="mt-1 text-xs text-red-600 dark:text-red-400">
          {error}
        </p>
      )}
    </div>
  );
}
