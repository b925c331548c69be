"use client";

import { usePathname } from "next/navigation";
import { useEffect } from "react";
import { forgetBin } from "@/lib/recent-bins";

/** On the not-found page of a bin (deleted, swept or never made), drops it from this browser's recent bins. Renders nothing. */
export function ForgetMissingBin() {
  const binId = /^\/bins\/([^/]+)$/.exec(usePathname())?.[1];
  useEffect(() => {
    if (binId) forgetBin(decodeURIComponent(binId));
  }, [binId]);
  return null;
}
