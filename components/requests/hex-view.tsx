"use client";

import { useMemo, useState } from "react";
import { hexDump } from "@/lib/body";
import { shownBytes } from "@/lib/body-chunks";
import { ChunkNote } from "./body-chunk";
import { preClasses } from "./raw-text-view";

/** A hex dump of the body's first 64 KiB (4,096 lines), more on request. */
export function HexView({ bytes }: { bytes: Uint8Array }) {
  const [clicks, setClicks] = useState(0);
  const shown = shownBytes(bytes.length, clicks);
  const dump = useMemo(() => hexDump(bytes.subarray(0, shown), shown), [bytes, shown]);
  return (
    <div>
      <pre className={`whitespace-pre ${preClasses}`}>{dump}</pre>
      <ChunkNote shown={shown} total={bytes.length} onMore={() => setClicks(clicks + 1)} />
    </div>
  );
}
