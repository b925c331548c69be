"use client";

import { useEffect, useState } from "react";
import { Button } from "@/components/ui/button";

type State = { step: "ask" } | { step: "opening" } | { step: "failed"; message: string };

/**
 * Reads a link's token from the address's fragment (which the browser never sent to
 * any server), drops it from the address bar and history, and trades it for the bin's
 * cookies. Without a fragment, asks for a token or link to be pasted.
 */
export function OpenBin() {
  const [state, setState] = useState<State>({ step: "opening" });
  const [typed, setTyped] = useState("");

  async function open(token: string) {
    setState({ step: "opening" });
    try {
      const response = await fetch("/api/session", { method: "POST", headers: { Authorization: `Bearer ${token}` } });
      const answer = (await response.json()) as { binId?: string; message?: string };
      if (!response.ok || !answer.binId) throw new Error(answer.message ?? `The server answered ${response.status}.`);
      window.location.replace(`/bins/${answer.binId}`);
    } catch (caught) {
      setState({ step: "failed", message: caught instanceof Error ? caught.message : "Could not open the bin." });
    }
  }

  useEffect(() => {
    const token = decodeURIComponent(window.location.hash.slice(1));
    if (!token) {
      setState({ step: "ask" });
      return;
    }
    window.history.replaceState(null, "", "/open");
    void open(token);
  }, []);

  return (
    <div className="mt-4 flex flex-col gap-3 text-sm">
      {state.step === "opening" && <p role="status">Opening…</p>}
      {state.step === "failed" && (
        <p role="alert" className="text-red-600">
          {state.message}
        </p>
      )}
      {state.step !== "opening" && (
        <form
          className="flex flex-col gap-2"
          onSubmit={(event) => {
            event.preventDefault();
            const token = typed.trim().replace(/^.*#/, "");
            if (token) void open(token);
          }}
        >
          <label htmlFor="open-token" className="text-zinc-600 dark:text-zinc-400">
            Paste a link or a token for the bin:
          </label>
          <input
            id="open-token"
            className="rounded border border-zinc-300 bg-white px-2 py-1 font-mono dark:border-zinc-700 dark:bg-zinc-900"
            value={typed}
            onChange={(event) => setTyped(event.target.value)}
            autoComplete="off"
            spellCheck={false}
          />
          <div>
            <Button type="submit" variant="primary">
              Open
            </Button>
          </div>
        </form>
      )}
    </div>
  );
}
