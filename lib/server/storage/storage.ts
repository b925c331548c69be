import type { ConfiguredBin } from "../../config.ts";
import type { ResponseSettings } from "../../responses.ts";
import type { ForwardJobState } from "../../types.ts";
import type { BinChanges } from "../bins/bins.ts";
import type { BinSettings } from "../bins/settings.ts";
import type { StoredVerdict } from "../signatures/signature-checks.ts";

/**
 * Everything Hookyard keeps, as one interface with a driver per database
 * (docs/decisions/012-storage-seam.md). Domain modules call `getStorage().<aggregate>`
 * and never see Prisma, SQL or a driver: each method is named for what the domain
 * needs, and answers plain values (timestamps as epoch milliseconds, never bigint).
 *
 * Drivers: `sqlite/driver.ts` (the embedded default) and, next, `postgres/driver.ts`.
 * Both share the Prisma repositories in `prisma/` for everything but the capture writer,
 * which each database writes its own fastest way. `storage.suite.ts` is the contract:
 * every driver runs it.
 */
export type Storage = {
  readonly kind: "sqlite" | "postgres";
  readonly bins: BinsStorage;
  readonly grants: GrantsStorage;
  readonly captures: CapturesStorage;
  readonly forwarding: ForwardingStorage;
  /** The capture writer (group commit calls `insertAll`) and the retention sweep's steps. */
  readonly writer: CaptureWriter & RetentionStore;
  readonly health: HealthStorage;
  /** Closes every connection; the storage is unusable afterwards. */
  close(): Promise<void>;
};

// ---------------------------------------------------------------------------- bins

/** The bin's auto-forward row as stored, enabled or not (the form shows a disabled one's target). */
export type StoredAutoForward = { url: string; enabled: boolean; maxAttempts: number } | null;

export type StoredBin = {
  id: string;
  createdAt: Date;
  /** The forwarding target remembered for the bin; null when none. */
  forwardUrl: string | null;
  autoForward: StoredAutoForward;
  settings: BinSettings;
};

export type BinsStorage = {
  /** Creates the bin with its creator grant, in one transaction. */
  create(bin: {
    id: string;
    lastUsedAt: number;
    creator: { id: string; tokenHash: string; role: string; kind: string };
  }): Promise<{ id: string; createdAt: Date }>;
  /** The bin with its settings; null when it does not exist. */
  find(binId: string): Promise<StoredBin | null>;
  /** The settings the capture path needs; null when the bin does not exist. */
  loadSettings(binId: string): Promise<BinSettings | null>;
  /** The id of the bin the alias names; null when none. */
  resolveAlias(alias: string): Promise<string | null>;
  /**
   * Applies the changes in one transaction: all or nothing. `base` is what the response
   * and rules left out of `changes` keep. A forward target left without auto-forward on
   * ends the bin's jobs still pending or running (`endedByTurningOff`).
   * @throws AppError conflict when another bin holds the alias (nothing is changed)
   */
  applyChanges(binId: string, changes: BinChanges, base: ResponseSettings): Promise<void>;
  /** Deletes the bin and everything of it. Answers whether there was one. */
  delete(binId: string): Promise<boolean>;
  /** Records a dashboard visit at `at` as the bin's last use (keeps it from the idle sweep). */
  markVisited(binId: string, at: number): Promise<void>;
  /** Remembers `url` as the bin's forwarding target (a missing bin is left alone). */
  rememberForwardUrl(binId: string, url: string): Promise<void>;
  /** How many captures the bin holds. */
  countCaptures(binId: string): Promise<number>;
  /** Deletes the bin's captures beyond its newest `limit`; answers what went, or null when nothing did. */
  pruneToLimit(binId: string, limit: number): Promise<Pruned | null>;
  /**
   * Makes a declared bin exist with exactly these settings (its token aside: see
   * `grants.setConfigured`); an alias another bin holds moves to it. One transaction.
   */
  applyDeclared(bin: ConfiguredBin): Promise<void>;
};

// -------------------------------------------------------------------------- grants

export type StoredGrant = {
  id: string;
  binId: string;
  /** Hex SHA-256 of the token; the token itself is never stored. */
  tokenHash: string;
  role: string;
  kind: string;
  label: string | null;
  createdAt: Date;
  /** Epoch milliseconds; null for no expiry. */
  expiresAt: number | null;
};

export type GrantsStorage = {
  create(grant: Omit<StoredGrant, "createdAt">): Promise<StoredGrant>;
  findByTokenHash(tokenHash: string): Promise<StoredGrant | null>;
  /** The bin's grants not expired at `now`, newest first. */
  listLive(binId: string, now: number): Promise<StoredGrant[]>;
  countLive(binId: string, now: number): Promise<number>;
  /** Deletes the bin's grant; answers whether there was one. */
  revoke(binId: string, grantId: string): Promise<boolean>;
  /**
   * Replaces the bin's `configured` grant with `grant` (an owner), or removes it when
   * null; the same token hash held by any other grant is taken from it. One transaction.
   */
  setConfigured(binId: string, grant: { id: string; tokenHash: string } | null): Promise<void>;
};

// ------------------------------------------------------------------------ captures

/**
 * A capture's body as a reader found it. Only `size` is for the domain to read; the
 * rest says where the bytes are, and `captures.readBody` / `streamBody` get them.
 */
export type StoredBody = { requestId: string; inline: Uint8Array; size: number };

/** What list views and the live stream need: never the body, headers or URL. */
export type StoredCapture = {
  id: string;
  binId: string;
  /** The capture's place in its bin (1, 2, 3… in storing order, never reused): what lists, cursors and streams go by. */
  seq: number;
  method: string;
  path: string;
  query: string;
  contentType: string | null;
  size: number;
  ip: string;
  receivedAt: number;
} & StoredVerdict;

/**
 * What Hookyard answered a capture, as stored: the status and what chose it (`built-in`,
 * `default`, `rule` with its 1-based place, `preflight`). All null for captures stored
 * before answers were recorded.
 */
export type StoredAnswer = { answerStatus: number | null; answerBy: string | null; answerRule: number | null };

export type StoredCaptureDetail = StoredCapture & StoredAnswer & { url: string; headers: string; body: StoredBody };

/** What a signature check reads of a capture. */
export type StoredSignedRequest = { id: string; seq: number; method: string; url: string; headers: string; receivedAt: number; body: StoredBody };

export type CapturesStorage = {
  /**
   * Newest first (highest `seq`), `limit` of them, below `cursor` (the previous page's
   * `nextCursor`, a seq); `nextCursor` is null on the last page. Null when the bin does not exist.
   */
  page(binId: string, options: { limit: number; cursor?: number }): Promise<{ captures: StoredCapture[]; nextCursor: number | null } | null>;
  /** The highest place the bin has given out (Bin.lastSeq), 0 for none or no such bin. */
  latestSeq(binId: string): Promise<number>;
  /** In `seq` order, strictly after `afterSeq` (0: from the start): what a resuming stream missed. */
  after(binId: string, afterSeq: number, limit: number): Promise<StoredCapture[]>;
  /**
   * Where to resume after a capture named by its id (as streams did before captures had
   * places): its `seq`, or, when it is gone, the highest of the bin's captures that arrived
   * before it (by id); 0 when none did.
   */
  seqOfRequestId(binId: string, requestId: string): Promise<number>;
  detail(binId: string, requestId: string): Promise<StoredCaptureDetail | null>;
  body(binId: string, requestId: string): Promise<{ body: StoredBody; contentType: string | null } | null>;
  /** The body's bytes in one buffer. @throws AppError not_found when the capture went while being read */
  readBody(body: StoredBody): Promise<Uint8Array>;
  /** Like `readBody`, but null when the capture was deleted while its body was read. */
  readBodyIfStored(body: StoredBody): Promise<Uint8Array | null>;
  /** The body to send: a small one as its bytes, a large one as a stream read as it is pulled (a deletion mid-stream errors it). */
  streamBody(body: StoredBody): Uint8Array | ReadableStream<Uint8Array>;
  /** Answers whether the bin had that capture. */
  delete(binId: string, requestId: string): Promise<boolean>;
  /** Deletes every capture of the bin; answers how many, or null when the bin does not exist. */
  clear(binId: string): Promise<{ removed: number; throughSeq: number } | null>;
  signedRequest(binId: string, requestId: string): Promise<StoredSignedRequest | null>;
  /** A re-judge's page: the bin's captures in `seq` order, strictly after `afterSeq` (0: from the start). */
  signedRequestsAfter(binId: string, afterSeq: number, limit: number): Promise<StoredSignedRequest[]>;
  /** Stores a page of verdicts in one transaction; a capture deleted meanwhile is skipped. */
  writeVerdicts(verdicts: readonly { id: string; verdict: StoredVerdict }[]): Promise<void>;
  /** Clears every verdict of the bin (its check was removed); answers how many captures it has. */
  clearVerdicts(binId: string): Promise<number>;
};

// ---------------------------------------------------------------------- forwarding

/** One attempt to send a capture to a target, as kept. */
export type StoredAttempt = {
  id: string;
  requestId: string;
  target: string;
  url: string;
  method: string;
  /** JSON of the [name, value] pairs sent. */
  requestHeaders: string;
  requestSize: number;
  resigned: boolean;
  status: number | null;
  error: string | null;
  responseHeaders: string | null;
  responseBody: Uint8Array<ArrayBuffer> | null;
  responseTruncated: boolean;
  durationMs: number;
  createdAt: Date;
  automatic: boolean;
};

export type NewAttempt = Omit<StoredAttempt, "createdAt" | "status" | "error" | "responseHeaders" | "responseBody" | "responseTruncated"> &
  Partial<Pick<StoredAttempt, "status" | "error" | "responseHeaders" | "responseBody" | "responseTruncated">>;

export type StoredJob = { state: string; target: string; attempts: number; maxAttempts: number; nextAttemptAt: number; lastError: string | null };

/** A job the auto-forward worker took (now `running`). */
export type ClaimedJob = { id: string; requestId: string; binId: string; target: string; maxAttempts: number; attempts: number };

/** Where a job stands after an attempt. */
export type JobEnd = { state: ForwardJobState; attempts: number; nextAttemptAt: number; lastError: string | null };

/** What forwarding sends of a capture. */
export type StoredForwardSource = { method: string; path: string; query: string; headers: string; body: StoredBody };

/** How a job ends when auto-forward is turned off before it is delivered. */
export const endedByTurningOff = { state: "failed" satisfies ForwardJobState, lastError: "auto-forward was turned off before it was delivered" };

export type ForwardingStorage = {
  captureToForward(binId: string, requestId: string): Promise<StoredForwardSource | null>;
  /**
   * Stores the attempt and, in the same transaction, deletes the capture's attempts
   * beyond its newest `keepNewest`.
   */
  keepAttempt(attempt: NewAttempt, keepNewest: number): Promise<StoredAttempt>;
  /**
   * The capture's attempts oldest first, its job, the bin's remembered target and its
   * ten most recently used targets (newest first). Null when the bin has no such capture.
   */
  forwardsOf(
    binId: string,
    requestId: string,
  ): Promise<{ attempts: StoredAttempt[]; job: StoredJob | null; rememberedUrl: string | null; recentTargets: string[] } | null>;

  /** One of the bin's attempts with its capture's job (for a `forward-attempt` heard from another instance); null when gone. */
  attemptWithJob(binId: string, attemptId: string): Promise<{ attempt: StoredAttempt; job: StoredJob | null } | null>;

  /** At start-up: jobs left `running` (by a process that stopped mid-attempt) become pending again. Answers how many. */
  resetRunningJobs(): Promise<number>;
  /**
   * Takes up to `limit` pending jobs due at `now`, earliest first, and marks them
   * running; answers exactly the jobs this call took. Two callers at once (other
   * processes included) never take the same job.
   */
  claimDueJobs(limit: number, now: number): Promise<ClaimedJob[]>;
  /** When the earliest pending job is due; null when none is pending. */
  nextDueAt(): Promise<number | null>;
  /**
   * Stores the attempt's outcome on a job still running. A job no longer running (auto-
   * forward was turned off meanwhile) keeps its end but counts the attempt. Answers the
   * job's end as stored, or null when the job is gone (with its capture).
   */
  finishJob(jobId: string, end: JobEnd): Promise<Pick<StoredJob, "state" | "nextAttemptAt" | "lastError"> | null>;
  /** Sets `end` on a job still running (an attempt that broke on Hookyard's side); answers whether it was. */
  putBackJob(jobId: string, end: JobEnd): Promise<boolean>;
  /** Ends a job still running as `endedByTurningOff`; answers whether it was. */
  endRunningJob(jobId: string): Promise<boolean>;
  /** Ends the bin's jobs still pending or running as `endedByTurningOff`; answers how many. */
  endJobsOfBin(binId: string): Promise<number>;
};

// -------------------------------------------------------------- writer, retention

/** One captured request as it is written. */
export type CaptureRow = {
  id: string;
  binId: string;
  method: string;
  path: string;
  query: string;
  url: string;
  /** JSON of the ordered [name, value] pairs. */
  headers: string;
  contentType: string | null;
  /**
   * The body, whole or as the pieces it arrived in (socket chunks, never concatenated
   * on the capture path); `size` is their total length.
   */
  body: Buffer | readonly Buffer[];
  size: number;
  ip: string;
  receivedAt: number;
  /** The bin's own limit on the captures it keeps, when it has one (else `maxCapturesPerBin`). */
  maxCaptures?: number;
  /**
   * Set when the bin auto-forwards: its job is written in the capture's own transaction.
   * With `notSent`, the job is written already failed, with that reason (a forwarding loop).
   */
  forwardJob?: { target: string; maxAttempts: number; notSent?: string };
} & StoredVerdict &
  StoredAnswer;

/** Captures removed from one bin: every capture of it up to `throughSeq`, `removed` of them. */
export type Pruned = { binId: string; throughSeq: number; removed: number };

/** What a committed group got: each row's `seq` in its bin (in the order given), and what was pruned. */
export type Committed = { seqs: readonly number[]; pruned: readonly Pruned[] };

/** Where captures are written, all rows of a group or none. */
export type CaptureWriter = {
  /**
   * Inserts the rows, numbering each in its bin from the bin's `lastSeq` (in the order
   * given), and in the same transaction prunes each bin they went to down to its newest
   * `maxCaptures` (as its last row in the group says) or else `maxCapturesPerBin`, and to
   * at most `maxBinBytes` of bodies; answers the numbers and what was pruned. Numbers are
   * taken in the storing transaction: they follow commit order, a rolled-back group takes
   * none, and clearing a bin does not reset them.
   * @throws StorageFullError when the database cannot grow (disk full, I/O error,
   *   MAX_DATABASE_BYTES): nothing of the group was written
   * @throws Error when a row's bin no longer exists: nothing of the group was written
   */
  insertAll(rows: readonly CaptureRow[]): Promise<Committed>;
};

/** What the background retention sweep needs; each call is one short transaction. */
export type RetentionStore = {
  /**
   * Deletes up to `limit` of the oldest captures with an id below `beforeId` (ids carry
   * the arrival time), and records on each bin the time of the newest one removed as a
   * use of the bin. Each bin's `throughSeq` is the highest place removed from it.
   */
  expireCaptures(beforeId: string, limit: number): Promise<readonly Pruned[]>;
  /** Gives bins that never had `lastUsedAt` (made before it existed) `now`. */
  stampUnusedBins(now: number): Promise<void>;
  /** Up to `limit` bins last used before `usedBefore`, least recently used first, with their newest (highest `seq`) capture's id. */
  idleBinCandidates(usedBefore: number, limit: number): Promise<readonly { binId: string; newestId: string | null }[]>;
  /** Records a use of the bin at `usedAt` (when it is later than the one recorded). */
  markBinUsed(binId: string, usedAt: number): Promise<void>;
  /**
   * Deletes the bin (and its captures) if it is still idle: last used before
   * `usedBefore` and no capture since. Answers whether it was deleted.
   */
  deleteIdleBin(binId: string, usedBefore: number, beforeId: string): Promise<boolean>;
};

/**
 * Bodies up to this many bytes stay inline in the capture row; larger ones are stored as
 * `BodyChunk` rows of at most `defaultBodyChunkBytes` (see sqlite/capture-store.ts for why).
 */
export const defaultInlineBodyBytes = 256 * 1024;

/** What every capture writer is told of the instance's limits. */
export type CaptureWriterOptions = {
  maxCapturesPerBin: number;
  /** Body bytes each bin keeps (MAX_BIN_BYTES); 0 or absent: no byte limit. */
  maxBinBytes?: number;
  /** Bodies up to this many bytes stay inline in the capture row; larger ones go to BodyChunk rows. */
  inlineBodyBytes?: number;
  /** The largest BodyChunk row; a bigger piece is split (as views, without copying). */
  bodyChunkBytes?: number;
};
export const defaultBodyChunkBytes = 256 * 1024;

// -------------------------------------------------------------------------- health

export type HealthStorage = {
  /** @throws whatever the driver throws when the database does not answer */
  ping(): Promise<void>;
  /**
   * A trial write while storage is marked full (storage-health.ts): true once it
   * commits, so a capture could be stored again. Leaves nothing behind.
   */
  probeWrite(): Promise<boolean>;
};

// ----------------------------------------------------------- the process's storage

// One storage per process, on globalThis: the custom server and Next's bundles each
// load this module, and they must share one set of connections and one write path.
const storageKey = Symbol.for("hookyard.storage");
type WithStorage = typeof globalThis & { [storageKey]?: Storage };

/**
 * The process's storage, as `installStorage` set it (the server does at start-up).
 * @throws Error when none is installed
 */
export function getStorage(): Storage {
  const storage = (globalThis as WithStorage)[storageKey];
  if (!storage) throw new Error("Storage is not open: the server opens it (openStorage, installStorage) before it serves anything.");
  return storage;
}

/** Makes `storage` the process's storage. @throws Error when one is installed already (close it first) */
export function installStorage(storage: Storage): Storage {
  const holder = globalThis as WithStorage;
  if (holder[storageKey]) throw new Error("A storage is installed already: closeStorage() first.");
  holder[storageKey] = storage;
  return storage;
}

/** Closes the process's storage, if one is installed, and uninstalls it. */
export async function closeStorage(): Promise<void> {
  const holder = globalThis as WithStorage;
  const storage = holder[storageKey];
  holder[storageKey] = undefined;
  await storage?.close();
}
