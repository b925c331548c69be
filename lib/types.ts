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

/** The most captures one bin may be told to keep (`maxCaptures`): a bound on what one bin holds on disk. */
export const maxCapturesCeiling = 100_000;

export type BinDto = {
  id: string;
  url: string;
  createdAt: string;
  requestCount: number;
  /** How many captures the bin keeps; the oldest beyond it are pruned. */
  captureLimit: number;
  /** For a viewer, the provider only: no secret hints, no options. */
  signature: BinSignatureDto | null;
  /** The human name used in `url` instead of the id, when set. */
  alias: string | null;
  /** The default answer to captures; null is the built-in `200 {"ok":true,"id":…}`, and for a viewer. */
  response: ResponseSpec | null;
  /** Evaluated in order before the default; the first match answers. Empty for a viewer. */
  rules: ResponseRule[];
  /** The forwarding setting (or the remembered target); null when none was set or used yet, and for a viewer. */
  forward: BinForwardDto | null;
  /** Whether capture URLs answer browsers' CORS preflights and let pages read the answers. */
  cors: boolean;
  /** What the caller's token allows: owner (everything) or viewer (a read-only share link). */
  role: "owner" | "viewer";
};

/** A grant on a bin as its owner sees it: never the token, which is shown once when it is made. */
export type BinLinkDto = {
  id: string;
  role: "owner" | "viewer";
  /** creator: the token made with the bin; link: minted by an owner; configured: HOOKYARD_BINS. */
  kind: "creator" | "link" | "configured";
  label: string | null;
  createdAt: string;
  /** Milliseconds since the epoch; null: until revoked. */
  expiresAt: number | null;
};

/**
 * The bin's forwarding target. With `enabled`, every new capture is sent there
 * automatically, retried up to `maxAttempts` attempts in all.
 */
export type BinForwardDto = { url: string; enabled: boolean; maxAttempts: number };

/** A capture's auto-forward: waiting, being sent, delivered (2xx) or given up. */
export type ForwardJobState = "pending" | "running" | "delivered" | "failed";

export type ForwardJobDto = {
  state: ForwardJobState;
  target: string;
  attempts: number;
  maxAttempts: number;
  /** When the next attempt is due (ms since the epoch); null once the job has ended. */
  nextAttemptAt: number | null;
  lastError: string | null;
};

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
  /** Headers as sent, in order; a signature Hookyard computed (re-signing) reads `(re-signed)`, never its value. */
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
  /** Made by auto-forward rather than by hand. */
  automatic: boolean;
};

/** An attempt as the live stream carries it: without the answer's body, which can be large. */
export type ForwardAttemptSummary = Omit<ForwardAttemptDto, "bodyBase64">;

export type ForwardList = {
  /** Oldest first. */
  attempts: ForwardAttemptDto[];
  /** The bin's remembered target. */
  rememberedUrl: string | null;
  /** Distinct targets recently used in this bin, newest first. */
  recentUrls: string[];
  /** The capture's auto-forward; null when it was captured with auto-forward off. */
  job: ForwardJobDto | null;
};

export type RequestSummary = {
  id: string;
  binId: string;
  /**
   * The capture's place in its bin: 1, 2, 3… in the order captures were stored, never
   * reused. The stream's event ids, `Last-Event-ID`, `?after=` and list cursors are these.
   */
  seq: number;
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

/**
 * What Hookyard answered a capture, decided before it was stored: the built-in answer,
 * the bin's default custom response, rule `rule` (1-based, in the bin's rule order at
 * that moment), or a CORS preflight's 204.
 */
export type CaptureAnswer = { status: number; by: "built-in" | "default" | "rule" | "preflight"; rule: number | null };

export type RequestDetail = RequestSummary & {
  url: string;
  headers: HeaderPair[];
  bodyBase64: string;
  /** The provider whose signature headers this capture carries, offered when the bin has no check. */
  suggestedProvider: ProviderId | null;
  /** What Hookyard answered; null for captures stored before answers were recorded. */
  answer: CaptureAnswer | null;
  /** How the body decodes by its Content-Encoding; null when it has none (or only `identity`). */
  encoding: BodyEncoding | null;
};

export type BodyEncoding = {
  /** As the headers list them, the order they were applied in (lowercased). */
  codings: string[];
  encodedSize: number;
  /** Null when it does not decode: then `error` says why. */
  decodedSize: number | null;
  error: string | null;
};

/** One part of a multipart body: where its content lies, never the content itself. */
export type MultipartPartDto = {
  /** 0-based, in body order: `…/parts/{index}` serves its bytes. */
  index: number;
  /** The part's own headers in wire order, with their case and duplicates. */
  headers: HeaderPair[];
  /** `name` of its Content-Disposition (a form field's name), null when none. */
  name: string | null;
  /** Its file name as sent (`filename*` preferred), unsanitised: for display as text only. */
  filename: string | null;
  /** Its media type, lowercased, without parameters; null when it has no Content-Type. */
  contentType: string | null;
  /** Where its content starts in the parsed bytes (the decoded body when `decoded`), and its length. */
  offset: number;
  size: number;
};

export type MultipartList = {
  boundary: string | null;
  /** The parts read before parsing ended: all of them when `error` is null. */
  parts: MultipartPartDto[];
  /** Why parsing stopped before the closing boundary, or null when the body is whole. */
  error: string | null;
  /** Whether the parts were read from the body with its Content-Encoding undone. */
  decoded: boolean;
};

export type RequestPage = { requests: RequestSummary[]; nextCursor: string | null };

/** What the live stream carries, one SSE event type per kind. */
export type BinEvent =
  | { type: "request"; request: RequestSummary }
  | { type: "request-deleted"; binId: string; requestId: string }
  /**
   * The bin was cleared: every capture up to `throughSeq` (its newest place when the
   * clear ran) is gone. One stored meanwhile, on another instance, has a higher place and stays.
   */
  | { type: "requests-cleared"; binId: string; throughSeq: number }
  /** Retention removed the bin's oldest captures: every one up to `throughSeq`, `removed` of them. */
  | { type: "requests-pruned"; binId: string; throughSeq: number; removed: number }
  | { type: "bin-deleted"; binId: string }
  /** The bin's settings changed and its captures were judged again. */
  | { type: "bin-updated"; binId: string }
  /** Auto-forward made an attempt for one of the bin's captures. */
  | { type: "forward-attempt"; binId: string; attempt: ForwardAttemptSummary; job: ForwardJobDto }
  /**
   * This instance lost its view of other instances' events for a while (its PostgreSQL
   * listener reconnected). Captures missed meanwhile have been delivered already; what a
   * sequence cannot bring back (deletes, clears, settings) is for the client to read again.
   */
  | { type: "resync"; binId: string }
  /**
   * One of the bin's grants was revoked: the streams opened with it end. For the server
   * only (it names a grant), never sent to a client; see `StreamedBinEvent`.
   */
  | { type: "grant-revoked"; binId: string; grantId: string };

/** The bus's events that a live stream sends to its clients, one SSE event type each. */
export type StreamedBinEvent = Exclude<BinEvent, { type: "grant-revoked" }>;
