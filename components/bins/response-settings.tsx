"use client";

import dynamic from "next/dynamic";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { builtInAnswer, type ResponseSettings } from "@/lib/responses";
import { CorsSetting } from "./cors-setting";
import { SettingsCard } from "./settings-card";

// The editor and its preview load on first use, keeping the bin page's first
// hydration as light as it was.
const ResponseEditor = dynamic(() => import("./response-editor").then((module) => module.ResponseEditor), {
  loading: () => <p className="mt-3 text-sm text-zinc-500">Loading the editor…</p>,
});

type Props = {
  binId: string;
  settings: ResponseSettings;
  onSaved: (settings: ResponseSettings) => void;
  /** The bin's CORS switch, shown under the summary: it decides how preflights are answered. */
  cors: boolean;
  onCorsSaved: (cors: boolean) => void;
};

/** How the bin answers captures: a default answer and ordered rules, with a preview. */
export function ResponseSettingsPanel({ binId, settings, onSaved, cors, onCorsSaved }: Props) {
  const [editing, setEditing] = useState(false);
  const summary = `${settings.response ? `Default ${settings.response.status}${settings.response.delayMs ? ` after ${settings.response.delayMs} ms` : ""}` : builtInAnswer}; ${settings.rules.length} ${settings.rules.length === 1 ? "rule" : "rules"}.`;
  return (
    <SettingsCard labelledBy="responses-heading" editing={editing}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="responses-heading" className="text-sm font-semibold">
          Response
        </h2>
        {!editing && <Button onClick={() => setEditing(true)}>Edit response</Button>}
      </div>
      {!editing && (
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400" data-testid="response-summary">
          {summary}
        </p>
      )}
      {!editing && <CorsSetting binId={binId} cors={cors} onSaved={onCorsSaved} />}
      {editing && (
        <ResponseEditor
          binId={binId}
          initial={settings}
          onCancel={() => setEditing(false)}
          onSaved={(saved) => {
            onSaved(saved);
            setEditing(false);
          }}
        />
      )}
    </SettingsCard>
  );
}
