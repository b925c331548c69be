/**
 * The shapes the API returns and the dashboard renders. Plain data only: no Prisma
 * types, no bodies in summaries. Safe to import from client components.
 */
import type { ResponseRule, ResponseSpec } from "./responses.ts";
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
  /** The human name used in `url` instead of the id, when set. */
  alias: string | null;
  /** The default answer to captures; null is the built-in `200 {"ok":true,"id":…}`. */
  response: ResponseSpec | null;
  /** Evaluated in order before the default; the first match answers. */
  rules: ResponseRule[];
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
