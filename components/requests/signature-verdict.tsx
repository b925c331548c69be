"use client";

import { useState } from "react";
import { SignatureForm, type SignatureFormValue } from "@/components/bins/signature-settings";
import { Button } from "@/components/ui/button";
import { type ProviderId, providers } from "@/lib/signature-providers";
import type { SignatureVerdict } from "@/lib/types";

type Props = {
  binId: string;
  requestId: string;
  verdict: SignatureVerdict;
  suggestedProvider: ProviderId | null;
  onSetUp: (provider: ProviderId) => void;
  /** A share link's view: the verdict only. */
  readOnly?: boolean;
};

/** The capture's verdict under the bin's check, and a one-off check with a typed-in secret. */
export function SignatureVerdictPanel({ binId, requestId, verdict, suggestedProvider, onSetUp, readOnly = false }: Props) {
  const [trying, setTrying] = useState(false);
  const [pending, setPending] = useState(false);
  const [trial, setTrial] = useState<SignatureVerdict | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function tryOnce(value: SignatureFormValue) {
    setPending(true);
    setError(null);
    try {
      const response = await fetch(`/api/bins/${binId}/requests/${requestId}/verify`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ provider: value.provider, secret: value.secrets[0], options: value.options }),
      });
      const answer = (await response.json()) as SignatureVerdict & { message?: string };
      if (!response.ok) throw new Error(answer.message ?? `The server answered ${response.status}.`);
      setTrial(answer);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : "Could not check the signature.");
    } finally {
      setPending(false);
    }
  }

  return (
    <div className="flex flex-col gap-2">
      {verdict.provider ? (
        <VerdictLine verdict={verdict} testId="signature-verdict" />
      ) : suggestedProvider && !readOnly ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          This looks like a {providers[suggestedProvider].label} webhook.{" "}
          <Button variant="ghost" className="px-1 py-0 underline" onClick={() => onSetUp(suggestedProvider)}>
            Check its signatures
          </Button>
        </p>
      ) : (
        <p className="text-sm text-zinc-500">No signature check is set up for this bin.</p>
      )}
      {readOnly ? null : trying ? (
        <SignatureForm
          single
          initialProvider={verdict.provider ?? suggestedProvider ?? "stripe"}
          current={null}
          pending={pending}
          submitLabel="Check once"
          onSubmit={(value) => void tryOnce(value)}
          onCancel={() => {
            setTrying(false);
            setTrial(null);
          }}
        />
      ) : (
        <div>
          <Button onClick={() => setTrying(true)}>Check with another secret…</Button>
        </div>
      )}
      {trial && <VerdictLine verdict={trial} testId="signature-trial" prefix="With that secret: " />}
      {error && (
        <p role="alert" className="text-sm text-red-600">
          {error}
        </p>
      )}
    </div>
  );
}

function VerdictLine({ verdict, testId, prefix = "" }: { verdict: SignatureVerdict; testId: string; prefix?: string }) {
  const tone =
    verdict.status === "valid" ? "text-emerald-700 dark:text-emerald-400" : verdict.status === "invalid" ? "text-red-700 dark:text-red-400" : "text-zinc-600";
  const provider = verdict.provider ? providers[verdict.provider].label : "";
  return (
    <p className={`text-sm ${tone}`} data-testid={testId} data-status={verdict.status} role="status">
      {prefix}
      <strong>{verdict.status === "valid" ? "Valid" : verdict.status === "invalid" ? "Invalid" : "Not checked"}</strong> {provider} signature
      {verdict.reason ? `: ${verdict.reason}` : ""}
    </p>
  );
}
