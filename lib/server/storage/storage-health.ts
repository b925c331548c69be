import { AppError } from "../errors.ts";

/**
 * Whether the database can take writes, as the last write found out: a write that
 * failed for lack of room (SQLITE_FULL: the disk, or MAX_DATABASE_BYTES) or on a failing
 * disk (SQLITE_IOERR) marks storage full, and the next write that succeeds clears it.
 * `/api/health` reports it, and while it is set asks the capture writer to try a small
 * write of its own, so health recovers even when no capture arrives to find out.
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

/** Whether a write failed because the database could not store it (full, capped or failing disk). */
export function isStorageFull(error: unknown): boolean {
  const code = sqliteCode(error);
  return code !== null && (code === "SQLITE_FULL" || code.startsWith("SQLITE_IOERR"));
}

/** A write refused for lack of storage: 507, nothing stored. */
export class StorageFullError extends AppError {
  override name = "StorageFullError";
  /** `full`: no room (disk or MAX_DATABASE_BYTES); `io-error`: the disk failed the write. */
  readonly reason: "full" | "io-error";
  constructor(cause: unknown) {
    const full = sqliteCode(cause) === "SQLITE_FULL";
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
