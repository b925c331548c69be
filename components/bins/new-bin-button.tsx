"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { rememberBin } from "@/lib/recent-bins";

export function NewBinButton() {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function create() {
    setPending(true);
    setError(null);
    try {
      const response = await fetch("/api/bins", { method: "POST" });
      const body = (await response.json()) as { id?: string; url?: string; message?: string };
      if (!response.ok || !body.id || !body.url) throw new Error(body.message ?? `The server answered ${response.status}.`);
      rememberBin({ id: body.id, url: body.url });
      router.push(`/bins/${body.id}`);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : "Could not create a bin.");
      setPending(false);
    }
  }

  return (
    <div className="flex flex-col items-start gap-2">
      <Button variant="primary" onClick={() => void create()} disabled={pending} className="px-4 py-2 text-base">
        {pending ? "Creating…" : "New bin"}
      </Button>
      {error && (
        <p role="alert" className="text-sm text-red-600 dark:text-red-400">
          {error}
        </p>
      )}
    </div>
  );
}
