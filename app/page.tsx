import { NewBinButton } from "@/components/bins/new-bin-button";
import { RecentBins } from "@/components/bins/recent-bins";

export default function HomePage() {
  return (
    <div className="mx-auto max-w-3xl py-8">
      <h1 className="text-3xl font-semibold tracking-tight">Catch every request. Keep it on your machine.</h1>
      <p className="mt-3 text-zinc-600 dark:text-zinc-400">
        Create a bin, point a webhook provider or curl at its URL, and watch each request arrive live with its method, headers, query and body exactly as sent.
      </p>
      <div className="mt-6">
        <NewBinButton />
      </div>
      <RecentBins />
    </div>
  );
}
