import type { SignatureVerdict } from "@/lib/types";

/** Shown in the list: nothing when the bin has no check. */
export function SignatureBadge({ verdict }: { verdict: SignatureVerdict }) {
  if (!verdict.provider) return null;
  const styles = {
    valid: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300",
    invalid: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300",
    unchecked: "bg-zinc-200 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300",
  } as const;
  const label = { valid: "✓ signed", invalid: "✗ invalid", unchecked: "unchecked" } as const;
  return (
    <span
      data-testid="signature-badge"
      data-status={verdict.status}
      title={verdict.reason ?? "Signature valid"}
      className={`rounded px-1.5 py-0.5 text-[11px] font-semibold ${styles[verdict.status]}`}
    >
      {label[verdict.status]}
    </span>
  );
}
