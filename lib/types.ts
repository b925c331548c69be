/**
 * The shapes the API returns and the dashboard renders. Plain data only: no Prisma
 * types, no bodies in summaries. Safe to import from client components.
 */
import type { ProviderId } from "./signature-providers.ts";

export type HeaderPair = [name: string, value: string];

export type SignatureStatus = "valid" | "invalid" | "unchecked";

/** A capture's signature verdict; `provider` is null when the bin has no check. */
export type SignatureVerdict = { provider: ProviderId | null; status: SignatureStatus; reason: string | null };

/** A bin's signature check as the API shows it: secrets only as masked hints. */
export type BinSignatureDto = { provider: ProviderId; secretHints: string[]; options: Record<string, unknown> };

export type BinDto = {
  id: string;
  url: string;
  createdAt: string;
  requestCount: number;
  signature: BinSignatureDto | null;
  /** The remembered forwarding target; null when none was set or used yet. */
  forward: BinForwardDto | null;
};

/** Shaped as an object so auto-forwarding can add `enabled` and `maxAttempts` later. */
export type BinForwardDto = { url: string };

/**
 * One attempt to send a capture to a target. Either the target answered (`status`,
 * `headers`, `bodyBase64`; `error` null) or it did not (`error` in words; `status` null).
 */
export type ForwardAttemptDto = {
  id: string;
  requestId: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** The target as given. */
  target: string;
  /** Where the request went (target plus the captured sub-path and query when appended). */
  url: string;
  method: string;
  /** Headers as sent, in order. */
  requestHeaders: HeaderPair[];
  requestSize: number;
  resigned: boolean;
  durationMs: number;
  status: number | null;
  headers: HeaderPair[];
  bodyBase64: string;
  /** The body was longer than FORWARD_MAX_RESPONSE_BYTES; only that much is kept. */
  bodyTruncated: boolean;
  error: string | null;
};

export type ForwardList = {
  /** Oldest first. */
  attempts: ForwardAttemptDto[];
  /** The bin's remembered target. */
  rememberedUrl: string | null;
  /** Distinct targets recently used in this bin, newest first. */
  recentUrls: string[];
};

export type RequestSummary = {
  id: string;
  binId: string;
  method: string;
  /** Sub-path after /b/{binId}, exactly as sent; may be empty. */
  path: string;
  query: string;
  contentType: string | null;
  size: number;
  ip: string;
  /** Milliseconds since the epoch. */
  receivedAt: number;
  signature: SignatureVerdict;
};

export type RequestDetail = RequestSummary & {
  url: string;
  headers: HeaderPair[];
  bodyBase64: string;
  /** The provider whose signature headers this capture carries, offered when the bin has no check. */
  suggestedProvider: ProviderId | null;
};

export type RequestPage = { requests: RequestSummary[]; nextCursor: string | null };

/** What the live stream carries, one SSE event type per kind. */
export type BinEvent =
  | { type: "request"; request: RequestSummary }
  | { type: "request-deleted"; binId: string; requestId: string }
  | { type: "requests-cleared"; binId: string }
  | { type: "bin-deleted"; binId: string }
  /** The bin's settings changed and its captures were judged again. */
  | { type: "bin-updated"; binId: string };
