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
