import { AppError } from "../errors.ts";

/**
 * Whether the database can take writes, as the last write found out: a write that
 * failed for lack of room (SQLITE_FULL: the disk, or MAX_DATABASE_BYTES; PostgreSQL's
 * disk_full) or on a failing disk (SQLITE_IOERR, PostgreSQL's io_error) marks storage
 * full, and the next write that succeeds clears it. `/api/health` reports it, and while
 * it is set asks the capture writer to try a small write of its own, so health recovers
 * even when no capture arrives to find out.
 *
 * Shared through globalThis: captures are written in the custom server's copy of this
 * module, health is answered from Next's bundle.
 */
type StorageState = {
  full: { since: number; reason: string } | null;
  /** The capture writer's trial write; resolves true when it was committed. */
  probe: (() => Promise<boolean>) | null;
  lastProbeAt: number;
  probing: Promise<boolean> | null;
};

const stateKey = Symbol.for("hookyard.storageHealth");
type WithState = typeof globalThis & { [stateKey]?: StorageState };

function state(): StorageState {
  const holder = globalThis as WithState;
  holder[stateKey] ??= { full: null, probe: null, lastProbeAt: 0, probing: null };
  return holder[stateKey];
}

/** Trial writes while storage is full are at most this often, however often health is asked. */
const probeIntervalMs = 1_000;

type CodedError = { code?: unknown; cause?: unknown };

/** The SQLite result code of an error from better-sqlite3, or from Prisma's driver adapter (in its cause chain). */
function sqliteCode(error: unknown): string | null {
  for (let current = error, depth = 0; current && typeof current === "object" && depth < 5; depth++) {
    const { code, cause } = current as CodedError;
    if (typeof code === "string" && code.startsWith("SQLITE_")) return code;
    const message = (current as { message?: unknown }).message;
    if (typeof message === "string") {
      const named = /\b(SQLITE_FULL|SQLITE_IOERR\w*)\b|database or disk is full|disk I\/O error/.exec(message);
      if (named) return named[1] ?? (named[0] === "disk I/O error" ? "SQLITE_IOERR" : "SQLITE_FULL");
    }
    current = cause;
  }
  return null;
}

/**
 * The SQLSTATE of a PostgreSQL error: `pg`'s DatabaseError carries it as `code` beside a
 * `severity` (a bare `code` may be a socket's, such as EPIPE); Prisma's pg adapter keeps
 * it as `originalCode` in its cause chain.
 */
function postgresCode(error: unknown): string | null {
  for (let current = error, depth = 0; current && typeof current === "object" && depth < 5; depth++) {
    const { code, cause, severity, originalCode } = current as CodedError & { severity?: unknown; originalCode?: unknown };
    if (typeof originalCode === "string") return originalCode;
    if (typeof code === "string" && typeof severity === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = cause;
  }
  return null;
}

/** PostgreSQL's `disk_full` (no room for a table, an index or the WAL) and `io_error`. */
const postgresFull = "53100";
const postgresIoError = "58030";

/** Whether a write failed because the database could not store it (full, capped or failing disk). */
export function isStorageFull(error: unknown): boolean {
  const code = sqliteCode(error);
  if (code !== null) return code === "SQLITE_FULL" || code.startsWith("SQLITE_IOERR");
  const state = postgresCode(error);
  // Not class 54 (program_limit_exceeded): that is one statement too big for PostgreSQL
  // (an index row, too many columns), not a lack of room; health would say "full" for a
  // database that has plenty.
  return state === postgresFull || state === postgresIoError;
}

/** A write refused for lack of storage: 507, nothing stored. */
export class StorageFullError extends AppError {
  static override readonly brand: string = "StorageFullError";
  override name = "StorageFullError";
  /** `full`: no room (disk or MAX_DATABASE_BYTES); `io-error`: the disk failed the write. */
  readonly reason: "full" | "io-error";
  constructor(cause: unknown) {
    const full = sqliteCode(cause) === "SQLITE_FULL" || postgresCode(cause) === postgresFull;
    super(
      "insufficient_storage",
      full
        ? "The database is full (the disk, or MAX_DATABASE_BYTES); nothing was stored. Retry once space is freed."
        : "The database could not write to disk (I/O error); nothing was stored.",
      { "Retry-After": "30" },
    );
    this.cause = cause;
    this.reason = full ? "full" : "io-error";
  }
}

/**
 * SQLSTATEs after which PostgreSQL will refuse every row of a group alike, for now: the
 * server is going away or not yet up, has no connection left, ran out of memory, or a
 * statement hit its `statement_timeout` (57014, also an admin's cancel) or `lock_timeout`
 * (55P03). Class 08 (connection exceptions) is matched as a class.
 */
const postgresUnavailable = new Set(["57P01", "57P02", "57P03", "53300", "53200", "57014", "55P03", "25P03"]);

/** Socket errors on the way to the database. */
const socketUnavailable = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * What `pg` and `pg-pool` throw, with no code, when a connection cannot be had or dies:
 * the pool's `connectionTimeoutMillis`, a connection the server closed, a `query_timeout`.
 */
const unavailableMessage = /timeout exceeded when trying to connect|Connection terminated|not queryable|Query read timeout|connection timeout/i;

/** Prisma's own codes for the same: unreachable, timed out, connection closed, no connection from its pool. */
const prismaUnavailable = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);

/** Prisma's pg adapter's names for connection failures (`cause.kind` of its DriverAdapterError). */
const adapterUnavailable = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);

/**
 * Whether a database call failed because the database is down, out of connections or
 * too slow (not because of what was asked): every other call would fail alike for now,
 * so callers shed with 503 instead of retrying or answering 500.
 */
export function isStorageUnavailable(error: unknown): boolean {
  const state = postgresCode(error);
  if (state !== null) return state.startsWith("08") || postgresUnavailable.has(state);
  for (let current = error, depth = 0; current && typeof current === "object" && depth < 5; depth++) {
    const { code, cause, kind, message } = current as CodedError & { kind?: unknown; message?: unknown };
    if (typeof code === "string" && (socketUnavailable.has(code) || prismaUnavailable.has(code))) return true;
    if (typeof kind === "string" && adapterUnavailable.has(kind)) return true;
    if (typeof message === "string" && unavailableMessage.test(message)) return true;
    current = cause;
  }
  return false;
}

/** A write refused because the database is unreachable, out of connections or too slow: 503, nothing stored. */
export class StorageUnavailableError extends AppError {
  static override readonly brand: string = "StorageUnavailableError";
  override name = "StorageUnavailableError";
  constructor(cause: unknown) {
    // A restart or failover of the database takes seconds; a sender retrying sooner
    // only adds to the queue of a server that is shedding.
    super("service_unavailable", "The database is unavailable or too slow to answer; nothing was stored. Retry shortly.", { "Retry-After": "5" });
    this.cause = cause;
  }
}

/**
 * The answer for an error the database itself gave (rather than one about what was
 * asked): StorageFullError (507; storage is marked full) or StorageUnavailableError
 * (503); null for any other error. For the places that meet raw driver errors
 * (route handlers, the capture path).
 */
export function storageRefusal(error: unknown): StorageFullError | StorageUnavailableError | null {
  if (error instanceof StorageFullError || error instanceof StorageUnavailableError) return error;
  if (isStorageFull(error)) {
    const refused = new StorageFullError(error);
    markStorageFull(refused.reason);
    return refused;
  }
  return isStorageUnavailable(error) ? new StorageUnavailableError(error) : null;
}

export function markStorageFull(reason: string, now: number = Date.now()): void {
  const current = state();
  if (!current.full) {
    console.error(`[storage] writes are failing (${reason}); captures answer 507 until a write succeeds`);
    // The first trial write waits a full interval: a small one may still fit where the
    // write that failed did not, and health would say "ok" the moment after a 507.
    current.lastProbeAt = now;
  }
  current.full ??= { since: now, reason };
}

/** Called after every committed write: cheap, and it ends a full spell. */
export function markStorageWritable(): void {
  const current = state();
  if (!current.full) return;
  console.warn("[storage] writes succeed again");
  current.full = null;
}

/** The capture writer registers its trial write here; null unregisters it (on close). */
export function registerStorageProbe(probe: (() => Promise<boolean>) | null): void {
  state().probe = probe;
}

export type StorageStatus = { ok: true } | { ok: false; storage: string; since: number };

/** What `/api/health` reports: while storage is marked full, a trial write (at most once a second) may clear it. */
export async function storageStatus(now: number = Date.now()): Promise<StorageStatus> {
  const current = state();
  if (current.full && current.probe && now - current.lastProbeAt >= probeIntervalMs) {
    current.lastProbeAt = now;
    const probe = current.probe;
    current.probing ??= probe().finally(() => {
      current.probing = null;
    });
    await current.probing;
  }
  return current.full ? { ok: false, storage: current.full.reason, since: current.full.since } : { ok: true };
}
