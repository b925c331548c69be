"use client";

import { type FormEvent, useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { useBinPatch } from "./patch-bin";
import type { BinForwardDto } from "@/lib/types";
import { SettingsCard } from "./settings-card";

type Props = {
  binId: string;
  forward: BinForwardDto | null;
  onSaved: (forward: BinForwardDto | null) => void;
};

const inputClasses =
  "rounded-md border border-zinc-300 bg-white px-2 py-1.5 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:border-zinc-700 dark:bg-zinc-950";

/**
 * The bin's auto-forward: while on, every new capture is sent to the target after it
 * is stored, and retried on network errors, 5xx and 429 up to the number of attempts.
 */
export function AutoForwardSettings({ binId, forward, onSaved }: Props) {
  const id = useId();
  const [editing, setEditing] = useState(false);
  const [url, setUrl] = useState(forward?.url ?? "");
  const [enabled, setEnabled] = useState(forward?.enabled ?? true);
  const [maxAttempts, setMaxAttempts] = useState(String(forward?.maxAttempts ?? 5));
  const { pending, error, setError, save: patch } = useBinPatch(binId, "Could not save auto-forward.");

  async function save(body: { forward: unknown }) {
    const bin = await patch(body);
    if (!bin) return;
    onSaved(bin.forward);
    setEditing(false);
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    void save({ forward: { url: url.trim(), enabled, maxAttempts: Number(maxAttempts) } });
  }

  function startEditing() {
    setUrl(forward?.url ?? "");
    setEnabled(forward?.enabled ?? true);
    setMaxAttempts(String(forward?.maxAttempts ?? 5));
    setEditing(true);
  }

  const on = forward?.enabled === true;
  return (
    <SettingsCard labelledBy={`${id}-heading`} editing={editing}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id={`${id}-heading`} className="text-sm font-semibold">
          Auto-forward
        </h2>
        {!editing && (
          <div className="flex gap-2">
            <Button onClick={startEditing}>{on ? "Change auto-forward" : "Set up auto-forward"}</Button>
            {on && forward && (
              <Button variant="danger" disabled={pending} onClick={() => void save({ forward: { url: forward.url, enabled: false } })}>
                {pending ? "Turning off…" : "Turn off auto-forward"}
              </Button>
            )}
          </div>
        )}
      </div>
      {!editing && (
        <p className="mt-1 wrap-anywhere text-sm text-zinc-600 dark:text-zinc-400" data-testid="auto-forward-summary">
          {on && forward
            ? `On: every new capture goes to ${forward.url}, up to ${forward.maxAttempts} ${forward.maxAttempts === 1 ? "attempt" : "attempts"}.`
            : "Off. Send every new capture on to your app as it arrives, retried when the app is down."}
        </p>
      )}
      {editing && (
        <form onSubmit={submit} className="mt-3 grid gap-3 text-sm" aria-label="Auto-forward settings">
          <label className="grid gap-1" htmlFor={`${id}-url`}>
            <span className="font-medium">Target URL</span>
            <input
              id={`${id}-url`}
              type="url"
              required
              placeholder="http://localhost:3000/webhooks"
              className={`${inputClasses} font-mono`}
              value={url}
              onChange={(event) => setUrl(event.target.value)}
            />
          </label>
          <div className="flex flex-wrap items-end gap-4">
            <label className="flex items-center gap-2" htmlFor={`${id}-enabled`}>
              <input id={`${id}-enabled`} type="checkbox" checked={enabled} onChange={(event) => setEnabled(event.target.checked)} />
              <span>Forward every new capture</span>
            </label>
            <label className="grid gap-1" htmlFor={`${id}-attempts`}>
              <span className="font-medium">Attempts per capture</span>
              <input
                id={`${id}-attempts`}
                type="number"
                min={1}
                max={20}
                required
                className={`${inputClasses} w-24`}
                value={maxAttempts}
                onChange={(event) => setMaxAttempts(event.target.value)}
              />
            </label>
          </div>
          <div className="flex gap-2">
            <Button type="submit" disabled={pending}>
              {pending ? "Saving…" : "Save auto-forward"}
            </Button>
            <Button
              variant="ghost"
              onClick={() => {
                setEditing(false);
                setError(null);
              }}
            >
              Cancel
            </Button>
          </div>
        </form>
      )}
      {error && (
        <p role="alert" className="mt-2 text-sm text-red-600 dark:text-red-400">
          {error}
        </p>
      )}
    </SettingsCard>
  );
}
