"use client";

import { useCallback, useEffect, useState } from "react";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import type { BinLinkDto } from "@/lib/types";

type Minted = BinLinkDto & { token: string; url: string };

const lifetimes = [
  { label: "1 hour", seconds: 3_600 },
  { label: "1 day", seconds: 86_400 },
  { label: "7 days", seconds: 7 * 86_400 },
  { label: "30 days", seconds: 30 * 86_400 },
  { label: "until revoked", seconds: null },
] as const;

const kindLabel: Record<BinLinkDto["kind"], string> = { creator: "Made with the bin", link: "Link", configured: "Declared in configuration" };

/**
 * Who can open this bin besides the capture URL, which only captures: read-only share
 * links, owner links for another device or the relay CLI, and revoking any of them.
 * A new link's token is shown once, here; the server keeps only its hash.
 */
export function AccessLinks({ binId }: { binId: string }) {
  const [open, setOpen] = useState(false);
  const [links, setLinks] = useState<BinLinkDto[] | null>(null);
  const [role, setRole] = useState<"viewer" | "owner">("viewer");
  const [lifetime, setLifetime] = useState(1);
  const [minted, setMinted] = useState<Minted | null>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    const response = await fetch(`/api/bins/${binId}/links`);
    if (!response.ok) throw new Error(`Could not list the links (${response.status}).`);
    setLinks(((await response.json()) as { links: BinLinkDto[] }).links);
  }, [binId]);

  useEffect(() => {
    if (!open) return;
    load().catch((caught: unknown) => setError(caught instanceof Error ? caught.message : "Could not list the links."));
  }, [open, load]);

  async function mint() {
    setPending(true);
    setError(null);
    try {
      const response = await fetch(`/api/bins/${binId}/links`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ role, expiresInSeconds: lifetimes[lifetime]!.seconds }),
      });
      const answer = (await response.json()) as Minted & { message?: string };
      if (!response.ok) throw new Error(answer.message ?? `The server answered ${response.status}.`);
      setMinted(answer);
      await load();
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : "Could not make the link.");
    } finally {
      setPending(false);
    }
  }

  async function revoke(link: BinLinkDto) {
    const warning =
      link.kind === "creator"
        ? "Revoke the token this bin was made with? This browser, and every client using that token, loses access unless it holds another link."
        : `Revoke this ${link.role === "owner" ? "owner" : "read-only"} link? Whoever holds it loses access at once.`;
    if (!window.confirm(warning)) return;
    setError(null);
    const response = await fetch(`/api/bins/${binId}/links/${link.id}`, { method: "DELETE" });
    if (!response.ok && response.status !== 404) {
      setError(`Could not revoke the link (${response.status}).`);
      return;
    }
    if (minted?.id === link.id) setMinted(null);
    await load().catch(() => window.location.reload());
  }

  return (
    <section aria-labelledby="access-heading" className="rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="access-heading" className="text-sm font-semibold">
          Access
        </h2>
        <Button variant="ghost" className="px-2 py-1 text-xs" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? "Hide" : "Share or open elsewhere…"}
        </Button>
      </div>
      <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
        The bin URL only captures. Reading captures and changing settings takes this browser&apos;s token, or a link made here.
      </p>
      {open && (
        <div className="mt-3 flex flex-col gap-3">
          <div className="flex flex-wrap items-end gap-2">
            <label className="flex flex-col gap-1 text-xs text-zinc-600 dark:text-zinc-400">
              Link
              <select
                aria-label="Link"
                className="rounded border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900"
                value={role}
                onChange={(event) => setRole(event.target.value === "owner" ? "owner" : "viewer")}
              >
                <option value="viewer">Read-only (watch and read captures)</option>
                <option value="owner">Owner (another device, relay CLI)</option>
              </select>
            </label>
            <label className="flex flex-col gap-1 text-xs text-zinc-600 dark:text-zinc-400">
              Works for
              <select
                aria-label="Works for"
                className="rounded border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900"
                value={lifetime}
                onChange={(event) => setLifetime(Number(event.target.value))}
              >
                {lifetimes.map((option, index) => (
                  <option key={option.label} value={index}>
                    {option.label}
                  </option>
                ))}
              </select>
            </label>
            <Button variant="primary" onClick={() => void mint()} disabled={pending}>
              {pending ? "Making…" : "Make link"}
            </Button>
          </div>
          {minted && (
            <div
              className="flex flex-col gap-2 rounded border border-amber-300 bg-amber-50 p-3 text-sm dark:border-amber-900 dark:bg-amber-950"
              data-testid="minted-link"
            >
              <p>Copy it now: it is not shown again.</p>
              <ShownOnce value={minted.url} label="Copy link" testId="minted-link-url" />
              {minted.role === "owner" && <ShownOnce value={minted.token} label="Copy token" testId="minted-token" />}
            </div>
          )}
          {links && links.length > 0 && (
            <ul className="flex flex-col divide-y divide-zinc-200 text-sm dark:divide-zinc-800" aria-label="Links that open this bin">
              {links.map((link) => (
                <li key={link.id} className="flex flex-wrap items-center justify-between gap-2 py-1.5" data-testid="access-link">
                  <span>
                    {link.role === "owner" ? "Owner" : "Read-only"} · {kindLabel[link.kind]}
                    {link.expiresAt !== null && <span className="text-zinc-500"> · until {new Date(link.expiresAt).toLocaleString()}</span>}
                  </span>
                  <Button variant="danger" className="px-2 py-1 text-xs" onClick={() => void revoke(link)}>
                    Revoke
                  </Button>
                </li>
              ))}
            </ul>
          )}
          {error && (
            <p role="alert" className="text-sm text-red-600">
              {error}
            </p>
          )}
        </div>
      )}
    </section>
  );
}

/** A secret shown this once, with a button to copy it. */
function ShownOnce({ value, label, testId }: { value: string; label: string; testId: string }) {
  return (
    <div className="flex flex-wrap items-center gap-2">
      <code className="min-w-0 flex-1 break-all font-mono text-xs" data-testid={testId}>
        {value}
      </code>
      <CopyButton text={value} label={label} />
    </div>
  );
}
