"use client";

import { type FormEvent, useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { useBinPatch } from "./patch-bin";
import { type ProviderId, providerIds, providers } from "@/lib/signature-providers";
import type { BinSignatureDto } from "@/lib/types";
import { SettingsCard } from "./settings-card";

type Props = {
  binId: string;
  signature: BinSignatureDto | null;
  onSaved: (signature: BinSignatureDto | null) => void;
  /** Open the form with this provider chosen (from a capture's headers). */
  editing: ProviderId | null;
  setEditing: (provider: ProviderId | null) => void;
};

/**
 * The bin's signature check. Secrets go to the server once and come back only as
 * masked hints; saving judges every capture again.
 */
export function SignatureSettings({ binId, signature, onSaved, editing, setEditing }: Props) {
  const { pending, error, setError, save: patch } = useBinPatch(binId, "Could not save the signature check.");

  async function save(body: { signature: unknown }) {
    const bin = await patch(body);
    if (!bin) return;
    onSaved(bin.signature);
    setEditing(null);
  }

  return (
    <SettingsCard labelledBy="signature-heading" editing={editing !== null}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="signature-heading" className="text-sm font-semibold">
          Signature check
        </h2>
        {!editing && (
          <div className="flex gap-2">
            <Button onClick={() => setEditing(signature?.provider ?? "stripe")}>{signature ? "Change" : "Set up"}</Button>
            {signature && (
              <Button variant="danger" disabled={pending} onClick={() => void save({ signature: null })}>
                {pending ? "Removing…" : "Remove"}
              </Button>
            )}
          </div>
        )}
      </div>
      {!editing && (
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400" data-testid="signature-summary">
          {signature
            ? `${providers[signature.provider].label}, ${signature.secretHints.length === 1 ? "secret" : "secrets"} ${signature.secretHints.join(", ")}`
            : "Off. Add your provider's signing secret to see whether each capture is validly signed, and why not."}
        </p>
      )}
      {editing && (
        <SignatureForm
          key={editing}
          initialProvider={editing}
          current={signature?.provider === editing ? signature : null}
          pending={pending}
          onCancel={() => {
            setEditing(null);
            setError(null);
          }}
          onSubmit={(config) => void save({ signature: config })}
        />
      )}
      {error && (
        <p role="alert" className="mt-2 text-sm text-red-600 dark:text-red-400">
          {error}
        </p>
      )}
    </SettingsCard>
  );
}

export type SignatureFormValue = { provider: ProviderId; secrets: string[]; options: Record<string, unknown> };

type FormProps = {
  initialProvider: ProviderId;
  current: BinSignatureDto | null;
  pending: boolean;
  onSubmit: (value: SignatureFormValue) => void;
  onCancel: () => void;
  submitLabel?: string;
  /** One secret only, for checking a capture once. */
  single?: boolean;
};

/** Provider, secret(s) and the options that matter for that provider. */
export function SignatureForm({ initialProvider, current, pending, onSubmit, onCancel, submitLabel = "Save and re-check", single = false }: FormProps) {
  const id = useId();
  const [provider, setProvider] = useState<ProviderId>(initialProvider);
  const [secrets, setSecrets] = useState("");
  const [tolerance, setTolerance] = useState("");
  const [signedUrl, setSignedUrl] = useState("");
  const [advanced, setAdvanced] = useState(current?.provider === "generic-hmac" ? JSON.stringify(current.options, null, 2) : "");
  const [formError, setFormError] = useState<string | null>(null);
  const info = providers[provider];

  function submit(event: FormEvent) {
    event.preventDefault();
    setFormError(null);
    const list = secrets
      .split("\n")
      .map((line) => line.trim())
      .filter(Boolean);
    if (list.length === 0) return setFormError(`Enter the ${info.secretLabel.toLowerCase()}.`);
    let options: Record<string, unknown> = {};
    if (advanced.trim()) {
      try {
        options = JSON.parse(advanced) as Record<string, unknown>;
      } catch {
        return setFormError("Options must be valid JSON.");
      }
    }
    if (tolerance) options.toleranceSeconds = Number(tolerance);
    if (signedUrl) options.url = signedUrl;
    onSubmit({ provider, secrets: list, options });
  }

  return (
    <form onSubmit={submit} className="mt-3 grid gap-3 text-sm" aria-label={single ? "Check with a secret" : "Signature check settings"}>
      <label className="grid gap-1" htmlFor={`${id}-provider`}>
        <span className="font-medium">Provider</span>
        <select id={`${id}-provider`} value={provider} onChange={(event) => setProvider(event.target.value as ProviderId)} className={inputClasses}>
          {providerIds.map((candidate) => (
            <option key={candidate} value={candidate}>
              {providers[candidate].label}
            </option>
          ))}
        </select>
      </label>
      <label className="grid gap-1" htmlFor={`${id}-secrets`}>
        <span className="font-medium">{single ? info.secretLabel : `${info.secretLabel}, one per line`}</span>
        {single ? (
          <input
            id={`${id}-secrets`}
            type="password"
            autoComplete="off"
            value={secrets}
            onChange={(event) => setSecrets(event.target.value)}
            className={inputClasses}
          />
        ) : (
          <textarea
            id={`${id}-secrets`}
            rows={2}
            autoComplete="off"
            spellCheck={false}
            value={secrets}
            onChange={(event) => setSecrets(event.target.value)}
            placeholder={current ? `Replaces ${current.secretHints.join(", ")}` : "Several lines while you rotate: any one matching passes"}
            className={`${inputClasses} font-mono`}
          />
        )}
      </label>
      {info.toleranceSeconds !== undefined && (
        <label className="grid gap-1" htmlFor={`${id}-tolerance`}>
          <span className="font-medium">Timestamp tolerance (seconds)</span>
          <input
            id={`${id}-tolerance`}
            type="number"
            min={1}
            max={86400}
            placeholder={String(info.toleranceSeconds)}
            value={tolerance}
            onChange={(event) => setTolerance(event.target.value)}
            className={inputClasses}
          />
        </label>
      )}
      {info.signsUrl && (
        <label className="grid gap-1" htmlFor={`${id}-url`}>
          <span className="font-medium">URL configured at the provider (if not the captured one)</span>
          <input id={`${id}-url`} type="url" value={signedUrl} onChange={(event) => setSignedUrl(event.target.value)} className={inputClasses} />
        </label>
      )}
      {provider === "generic-hmac" && (
        <label className="grid gap-1" htmlFor={`${id}-advanced`}>
          <span className="font-medium">Options (JSON)</span>
          <textarea
            id={`${id}-advanced`}
            rows={4}
            spellCheck={false}
            value={advanced}
            onChange={(event) => setAdvanced(event.target.value)}
            placeholder={'{ "header": "X-Signature", "algorithm": "sha256", "encoding": "hex", "prefix": "sha256=" }'}
            className={`${inputClasses} font-mono text-xs`}
          />
        </label>
      )}
      {formError && (
        <p role="alert" className="text-red-600 dark:text-red-400">
          {formError}
        </p>
      )}
      <div className="flex gap-2">
        <Button type="submit" variant="primary" disabled={pending}>
          {pending ? "Checking…" : submitLabel}
        </Button>
        <Button onClick={onCancel} disabled={pending}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

const inputClasses =
  "rounded-md border border-zinc-300 bg-white px-2 py-1.5 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:border-zinc-700 dark:bg-zinc-950";
