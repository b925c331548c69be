import type { Metadata } from "next";
import Link from "next/link";
import { ForgetMissingBin } from "@/components/bins/forget-missing-bin";
import { NewBinButton } from "@/components/bins/new-bin-button";

export const metadata: Metadata = { title: "Not found · Hookyard" };

/** Also what a bin's page shows once the bin is deleted or swept as idle (BIN_IDLE_TTL). */
export default function NotFound() {
  return (
    <div className="mx-auto max-w-3xl py-8">
      <ForgetMissingBin />
      <h1 className="text-2xl font-semibold tracking-tight">Nothing here</h1>
      <p className="mt-3 text-zinc-600 dark:text-zinc-400">
        If you followed a bin&apos;s link, that bin was deleted, removed after standing idle, or never existed. Its requests are gone with it.
      </p>
      <div className="mt-6 flex flex-wrap items-center gap-4">
        <NewBinButton />
        <Link href="/" className="text-sm underline">
          Your recent bins
        </Link>
      </div>
    </div>
  );
}
