"use client";

import { startTransition, useEffect, useState } from "react";

// Set once the page has hydrated: what mounts after that starts in its browser form at once.
let pageHydrated = false;

/**
 * False while the server renders and while the page hydrates (the two must render the
 * same), true right after, as a transition: work that only the browser can do or that
 * need not hold up the first interactive render waits for it.
 */
export function useHydrated(): boolean {
  const [hydrated, setHydrated] = useState(pageHydrated);
  useEffect(() => {
    pageHydrated = true;
    if (!hydrated) startTransition(() => setHydrated(true));
  }, [hydrated]);
  return hydrated;
}
