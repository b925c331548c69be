import type { Metadata } from "next";
import { OpenBin } from "@/components/bins/open-bin";

export const metadata: Metadata = { title: "Open a bin · Hookyard" };

/** `/open#<token>`: where share and device links lead (see lib/server/access/links.ts). */
export default function OpenPage() {
  return (
    <div className="mx-auto max-w-xl py-8">
      <h1 className="text-2xl font-semibold tracking-tight">Open a bin</h1>
      <OpenBin />
    </div>
  );
}
