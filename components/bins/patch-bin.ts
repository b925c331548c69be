import { useState } from "react";
import type { BinDto } from "@/lib/types";

/**
 * `PATCH /api/bins/{binId}` with the settings to change.
 * @returns the bin as it now is
 * @throws Error with the server's message when the change is refused
 */
export async function patchBin(binId: string, changes: Record<string, unknown>): Promise<BinDto> {
  const response = await fetch(`/api/bins/${binId}`, {
    method: "PATCH",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(changes),
  });
  const answer = (await response.json()) as BinDto & { message?: string };
  if (!response.ok) throw new Error(answer.message ?? `The server answered ${response.status}.`);
  return answer;
}

/**
 * `patchBin` for a settings form: tracks the save in flight and keeps the server's
 * refusal (or `failure` when it gave none) to show beside the form.
 * `save` answers the bin as it now is, or null when the change was refused.
 */
export function useBinPatch(binId: string, failure: string) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function save(changes: Record<string, unknown>): Promise<BinDto | null> {
    setPending(true);
    setError(null);
    try {
      return await patchBin(binId, changes);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : failure);
      return null;
    } finally {
      setPending(false);
    }
  }

  return { pending, error, setError, save };
}
