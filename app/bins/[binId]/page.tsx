import type { Metadata } from "next";
import { headers } from "next/headers";
import { notFound } from "next/navigation";
import { AccessLinks } from "@/components/bins/access-links";
import { AliasEditor } from "@/components/bins/alias-editor";
import { DeleteBinButton } from "@/components/bins/delete-bin-button";
import { RememberBin } from "@/components/bins/remember-bin";
import { BinWorkspace } from "@/components/requests/bin-workspace";
import { earlyStreamScript, liveStreamPath, resumePoint } from "@/components/requests/early-stream";
import { CopyButton } from "@/components/ui/copy-button";
import { sampleCurl } from "@/lib/curl";
import { authorizeBin, type BinAccess } from "@/lib/server/access/authorize";
import { credentialsFrom } from "@/lib/server/access/credentials";
import { binAsSeenBy, captureBaseUrl, captureUrl, requestClientIp } from "@/lib/server/http/api";
import { findBin } from "@/lib/server/bins/bins";
import { markBinVisited } from "@/lib/server/bins/visits";
import { AppError } from "@/lib/server/errors";
import { isBinId, isRequestId } from "@/lib/server/bins/ids";
import { listRequests } from "@/lib/server/storage/requests";

export const metadata: Metadata = { title: "Bin · Hookyard" };

type Props = { params: Promise<{ binId: string }>; searchParams: Promise<{ r?: string | string[] }> };

export default async function BinPage({ params, searchParams }: Props) {
  const { binId } = await params;
  // The page opens with the bin's cookie only (see access/cookies.ts); without it, it is
  // the same "not found" as for a bin that does not exist, and an alias never leads to the id.
  const access = isBinId(binId) ? await pageAccess(binId) : null;
  const found = access ? await findBin(binId) : null;
  if (!found || !access) notFound();
  // Everything handed to the client component is serialised into the page: a viewer's
  // must hold no secret hints, forwarding target or response templates.
  const bin = binAsSeenBy(found, access.role);
  const readOnly = access.role !== "owner";

  const [firstPage, requestHeaders, query] = await Promise.all([
    listRequests(binId, { limit: 50 }),
    headers(),
    searchParams,
    // A visit keeps the bin from being swept as idle (BIN_IDLE_TTL).
    markBinVisited(binId),
  ]);
  const url = captureUrl(captureBaseUrl(requestHeaders), bin.alias ?? binId);
  const example = sampleCurl(url);
  const selected = typeof query.r === "string" && isRequestId(query.r) ? query.r : null;
  const streamPath = liveStreamPath(binId, resumePoint(firstPage.requests[0]));

  return (
    <div className="flex flex-col gap-5">
      {/* Opens the live stream while the page's JavaScript loads; the hook adopts it.
          Our own code with a validated id, never captured content. */}
      <script data-early-stream="" nonce={requestHeaders.get("x-nonce") ?? undefined} dangerouslySetInnerHTML={{ __html: earlyStreamScript(streamPath) }} />
      <RememberBin id={binId} url={url} />
      <section aria-labelledby="bin-url-heading" className="rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <h1 id="bin-url-heading" className="text-sm font-semibold uppercase tracking-wide text-zinc-500">
            Your bin URL
          </h1>
          {readOnly ? (
            <span className="rounded bg-zinc-100 px-2 py-1 text-xs text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300" data-testid="read-only">
              Read-only: opened with a share link
            </span>
          ) : (
            <DeleteBinButton binId={binId} />
          )}
        </div>
        <div className="mt-2 flex flex-wrap items-center gap-2">
          <code data-testid="bin-url" className="min-w-0 flex-1 truncate rounded bg-zinc-100 px-3 py-2 font-mono text-sm dark:bg-zinc-800">
            {url}
          </code>
          <CopyButton text={url} label="Copy URL" />
        </div>
        {!readOnly && <AliasEditor key={bin.alias ?? ""} binId={binId} alias={bin.alias} />}
        <p className="mt-3 text-sm text-zinc-600 dark:text-zinc-400">
          Any method, any sub-path, any body: every request to this URL is kept exactly as sent. Try it:
        </p>
        <div className="mt-1 flex flex-wrap items-start gap-2">
          <pre className="min-w-0 flex-1 overflow-x-auto rounded bg-zinc-100 px-3 py-2 font-mono text-xs dark:bg-zinc-800">{example}</pre>
          <CopyButton text={example} label="Copy curl" />
        </div>
      </section>
      {!readOnly && <AccessLinks binId={binId} />}
      <BinWorkspace
        readOnly={readOnly}
        binId={binId}
        captureUrl={url}
        initialPage={firstPage}
        initialTotal={bin.requestCount}
        initialCaptureLimit={bin.captureLimit}
        initialSelectedId={selected}
        initialSignature={bin.signature}
        initialForward={bin.forward}
        initialResponses={bin.responses}
        initialCors={bin.cors}
      />
    </div>
  );
}

/** The request's access to the bin, or null (no valid cookie, or too many failed tries). */
async function pageAccess(binId: string): Promise<BinAccess | null> {
  const requestHeaders = await headers();
  try {
    return await authorizeBin(binId, "read", credentialsFrom(requestHeaders, requestClientIp(requestHeaders)));
  } catch (error) {
    if (error instanceof AppError) return null;
    throw error;
  }
}
