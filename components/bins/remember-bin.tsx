"use client";

import { useEffect } from "react";
import { rememberBin } from "@/lib/recent-bins";

/** Adds the open bin to this browser's recent bins. Renders nothing. */
export function RememberBin({ id, url }: { id: string; url: string }) {
  useEffect(() => rememberBin({ id, url }), [id, url]);
  return null;
}
