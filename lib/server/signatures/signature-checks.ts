import type { BinSignatureDto, HeaderPair, SignatureStatus, SignatureVerdict } from "../../types.ts";
import { type StoredSignedRequest, getStorage } from "../storage/storage.ts";
import { AppError } from "../errors.ts";
import { type SignatureConfig, type SignedRequest, maskSecret, verifySignature } from "./index.ts";

/** The verdict columns stored with each capture. */
export type StoredVerdict = {
  signatureProvider: string | null;
  signatureStatus: string | null;
  signatureReason: string | null;
};

/** The verdict of a bin without a signature check. */
export const noCheck: StoredVerdict = { signatureProvider: null, signatureStatus: null, signatureReason: null };

/** Judges a capture under the bin's check; a bin without one stores no verdict. */
export function judge(request: SignedRequest, config: SignatureConfig | null): StoredVerdict {
  if (!config) return noCheck;
  const verdict = verifySignature(config.provider, request, config.secrets, config.options);
  return { signatureProvider: verdict.provider, signatureStatus: verdict.status, signatureReason: verdict.reason };
}

export function toVerdict(row: StoredVerdict): SignatureVerdict {
  if (!row.signatureProvider || !row.signatureStatus) {
    return { provider: null, status: "unchecked", reason: "no signature check configured for this bin" };
  }
  return {
    provider: row.signatureProvider as SignatureVerdict["provider"],
    status: row.signatureStatus as SignatureStatus,
    reason: row.signatureReason,
  };
}

export function toSignatureDto(config: SignatureConfig | null): BinSignatureDto | null {
  if (!config) return null;
  return { provider: config.provider, secretHints: config.secrets.map(maskSecret), options: config.options };
}

function toSignedRequest(row: StoredSignedRequest, body: Uint8Array): SignedRequest {
  return { method: row.method, url: row.url, headers: JSON.parse(row.headers) as HeaderPair[], body, receivedAt: row.receivedAt };
}

const rejudgePageSize = 500;

/** A re-judge of one bin: asked to stop once a newer one is wanted. */
type Rejudge = { superseded: boolean; ended: Promise<void> };

// At most one re-judge per bin at a time, across the module's copies: PATCH arrives
// through Next's bundle, declared bins are applied by the custom server's copy.
const rejudgesKey = Symbol.for("hookyard.rejudges");
type WithRejudges = typeof globalThis & { [rejudgesKey]?: Map<string, Rejudge> };

function rejudges(): Map<string, Rejudge> {
  const holder = globalThis as WithRejudges;
  holder[rejudgesKey] ??= new Map();
  return holder[rejudgesKey];
}

/**
 * Judges every capture of the bin again under its signature check as `currentCheck`
 * reads it (null clears the verdicts), a page at a time so a big bin never holds all
 * bodies in memory. One re-judge per bin runs at a time: a newer call supersedes the
 * one in progress, which stops at its next capture without writing the page it was
 * on, and starts once that one has stopped. The check is read only then, so the last
 * re-judge to run follows the check committed last, whatever order the callers
 * (concurrent PATCHes) reached here in; the older calls return without waiting for it.
 * @returns how many captures were judged, or null when a newer call superseded this one
 */
export async function rejudgeBin(binId: string, currentCheck: () => Promise<SignatureConfig | null>): Promise<number | null> {
  const running = rejudges();
  const previous = running.get(binId);
  if (previous) previous.superseded = true;
  const own: Rejudge = { superseded: false, ended: Promise.resolve() };
  running.set(binId, own);
  const work = (async () => {
    await previous?.ended;
    if (own.superseded) return null;
    return judgeAll(binId, await currentCheck(), () => own.superseded);
  })();
  // Only for ordering the next re-judge; this call's own caller still gets any error.
  own.ended = work.then(
    () => undefined,
    () => undefined,
  );
  try {
    return await work;
  } finally {
    if (running.get(binId) === own) running.delete(binId);
  }
}

async function judgeAll(binId: string, config: SignatureConfig | null, superseded: () => boolean): Promise<number | null> {
  const { captures } = getStorage();
  if (superseded()) return null;
  if (!config) return captures.clearVerdicts(binId);
  let judged = 0;
  let after = 0;
  for (;;) {
    const rows = await captures.signedRequestsAfter(binId, after, rejudgePageSize);
    if (rows.length === 0) return judged;
    const verdicts = [];
    for (const row of rows) {
      // The newer re-judge rewrites every verdict anyway: stop judging for nothing.
      if (superseded()) return null;
      // One large body joined at a time, never a page of them.
      const body = await captures.readBodyIfStored(row.body);
      if (!body) continue; // deleted since the page was read: nothing left to judge
      verdicts.push({ id: row.id, verdict: judge(toSignedRequest(row, body), config) });
    }
    if (superseded()) return null;
    await captures.writeVerdicts(verdicts);
    judged += rows.length;
    after = rows.at(-1)!.seq;
  }
}

/**
 * Checks one capture against a provider and secret typed in once; nothing is saved.
 * @throws AppError not_found
 */
export async function verifyCaptureOnce(binId: string, requestId: string, check: SignatureConfig): Promise<SignatureVerdict> {
  const { captures } = getStorage();
  const row = await captures.signedRequest(binId, requestId);
  if (!row) throw new AppError("not_found", `No capture with id ${requestId} in this bin.`);
  return toVerdict(judge(toSignedRequest(row, await captures.readBody(row.body)), check));
}
