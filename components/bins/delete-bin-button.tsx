"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { forgetBin } from "@/lib/recent-bins";

export function DeleteBinButton({ binId }: { binId: string }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function remove() {
    if (!window.confirm("Delete this bin and every request it captured? This cannot be undone.")) return;
    setPending(true);
    setError(null);
    const response = await fetch(`/api/bins/${binId}`, { method: "DELETE" }).catch(() => null);
    if (!response) {
      setPending(false);
      setError("Could not reach Hookyard; the bin was not deleted.");
      return;
    }
    if (response.ok || response.status === 404) {
      forgetBin(binId);
      router.push("/");
      return;
    }
    setPending(false);
    setError(`Could not delete the bin (${response.status}).`);
  }

  return (
    <div className="flex items-center gap-2">
      {error && (
        <span role="alert" className="text-sm text-red-600">
          {error}
        </span>
      )}
      <Button variant="danger" onClick={() => void remove()} disabled={pending}>
        {pending ? "Deleting…" : "Delete bin"}
      </Button>
    </div>
  );
}
