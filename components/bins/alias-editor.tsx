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
    <form onSubmit={submit} aria-label="Bin name" className="mt-3 flex flex-wrap items-end gap-2 text-sm">
      <label className="grid gap-1" htmlFor={`${id}-alias`}>
        <span className="font-medium">Name (optional): capture at /b/&lt;name&gt;</span>
        <input
          id={`${id}-alias`}
          value={value}
          placeholder="stripe-dev"
          onChange={(event) => setValue(event.target.value)}
          className="rounded-md border border-zinc-300 bg-white px-2 py-1.5 font-mono focus-visible:outline-2 focus-visible:outline-indigo-500 dark:border-zinc-700 dark:bg-zinc-950"
        />
      </label>
      <Button type="submit" disabled={pending || value.trim() === "" || value.trim() === alias}>
        {pending ? "Saving…" : "Save name"}
      </Button>
      {alias && (
        <Button variant="ghost" disabled={pending} onClick={() => void save(null)}>
          Remove name
        </Button>
      )}
      <span className="basis-full text-xs text-zinc-500">3–64 lowercase letters, digits and hyphens. The id URL keeps working.</span>
      {error && (
        <p role="alert" className="basis-full text-red-600 dark:text-red-400">
          {error}
        </p>
      )}
    </form>
  );
}
