"use client";

import { useState } from "react";

/**
 * A whole-body PNG, JPEG, GIF or WebP shown from the raw route, which serves the stored
 * type with `Content-Security-Policy: sandbox` and `nosniff`. Only for types on
 * lib/image.ts's allow-list whose bytes match: never SVG or HTML.
 */
export function ImagePreview({ rawUrl }: { rawUrl: string }) {
  const [broken, setBroken] = useState(false);
  if (broken) return <p className="text-xs text-zinc-500">The browser could not decode this image; the hex view shows its bytes.</p>;
  return (
    <div className="max-h-[32rem] overflow-auto rounded bg-[repeating-conic-gradient(#e4e4e7_0_25%,#fff_0_50%)] bg-[length:16px_16px] p-3">
      {/* A plain <img>: next/image would re-encode and cache a stranger's bytes. */}
      {/* eslint-disable-next-line @next/next/no-img-element */}
      <img src={rawUrl} alt="Captured image body" className="max-w-full" onError={() => setBroken(true)} referrerPolicy="no-referrer" />
    </div>
  );
}
