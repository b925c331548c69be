"use client";

import { useRouter } from "next/navigation";
import { type FormEvent, useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { useBinPatch } from "./patch-bin";

type Props = { binId: string; alias: string | null };

/** The bin's human name (`/b/{alias}`); saving re-renders the page with the new URL. */
export function AliasEditor({ binId, alias }: Props) {
  const id = useId();
  const router = useRouter();
  const [value, setValue] = useState(alias ?? "");
  const { pending, error, save: patch } = useBinPatch(binId, "Could not save the name.");

  async function save(next: string | null) {
    if (!(await patch({ alias: next }))) return;
    if (next === null) setValue("");
    router.refresh();
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    void save(value.trim());
  }

  return (
    <form onSubmit={submit} aria-label="Bin name" className="mt-3 flex flex-wrap items-center gap-2 text-sm">
      <label className="font-medium" htmlFor={`${id}-alias`}>
        Name
      </label>
      <input
        id={`${id}-alias`}
        value={value}
        placeholder="stripe-dev"
        aria-describedby={`${id}-hint`}
        onChange={(event) => setValue(event.target.value)}
        className="rounded-md border border-zinc-300 bg-white px-2 py-1.5 font-mono focus-visible:outline-2 focus-visible:outline-indigo-500 dark:border-zinc-700 dark:bg-zinc-950"
      />
      <Button type="submit" disabled={pending || value.trim() === "" || value.trim() === alias}>
        {pending ? "Saving…" : "Save name"}
      </Button>
      {alias && (
        <Button variant="ghost" disabled={pending} onClick={() => void save(null)}>
          Remove name
        </Button>
      )}
      <span id={`${id}-hint`} className="text-xs text-zinc-500">
        Optional: capture at /b/&lt;name&gt; too. 3–64 lowercase letters, digits and hyphens; the id URL keeps working.
      </span>
      {error && (
        <p role="alert" className="basis-full text-red-600 dark:text-red-400">
          {error}
        </p>
      )}
    </form>
  );
}
