/**
 * The shapes the API returns and the dashboard renders. Plain data only: no Prisma
 * types, no bodies in summaries. Safe to import from client components.
 */
export type HeaderPair = [name: string, value: string];

export type BinDto = {
  id: string;
  url: string;
  createdAt: string;
  requestCount: number;
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
};

export type RequestDetail = RequestSummary & {
  url: string;
  headers: HeaderPair[];
  bodyBase64: string;
};

export type RequestPage = { requests: RequestSummary[]; nextCursor: string | null };

/** What the live stream carries, one SSE event type per kind. */
export type BinEvent =
  | { type: "request"; request: RequestSummary }
  | { type: "request-deleted"; binId: string; requestId: string }
  | { type: "requests-cleared"; binId: string }
  | { type: "bin-deleted"; binId: string };
