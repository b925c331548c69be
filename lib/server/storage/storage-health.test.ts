import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import {
  StorageFullError,
  StorageUnavailableError,
  isStorageFull,
  isStorageUnavailable,
  markStorageFull,
  markStorageWritable,
  registerStorageProbe,
  storageRefusal,
  storageStatus,
} from "./storage-health.ts";

/** An error as `pg` gives it for a server's ErrorResponse: a SQLSTATE beside a severity. */
function postgresError(code: string, message = "from PostgreSQL"): Error {
  return Object.assign(new Error(message), { code, severity: "ERROR" });
}

/** A socket error as Node gives it. */
function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, errno: -111, syscall: "connect" });
}

describe("isStorageFull", () => {
  it("knows SQLite's full and I/O errors from better-sqlite3 and from Prisma's driver adapter, and nothing else", () => {
    expect(isStorageFull(new Database.SqliteError("database or disk is full", "SQLITE_FULL"))).toBe(true);
    expect(isStorageFull(new Database.SqliteError("disk I/O error", "SQLITE_IOERR_WRITE"))).toBe(true);
    // What Prisma 7 throws, the code only in its message.
    expect(isStorageFull(new Error("Invalid `db.bin.create()` invocation:\n\nDatabase error. Code: `SQLITE_FULL`. Message: `database or disk is full`"))).toBe(
      true,
    );
    expect(isStorageFull(new Error("wrapped", { cause: new Database.SqliteError("x", "SQLITE_FULL") }))).toBe(true);
    expect(isStorageFull(new Database.SqliteError("database is locked", "SQLITE_BUSY"))).toBe(false);
    expect(isStorageFull(new Database.SqliteError("UNIQUE constraint failed", "SQLITE_CONSTRAINT_PRIMARYKEY"))).toBe(false);
    expect(isStorageFull(new Error("something else"))).toBe(false);
    expect(isStorageFull(undefined)).toBe(false);
  });

  it("answers 507 with Retry-After, naming the cause", () => {
    const full = new StorageFullError(new Database.SqliteError("database or disk is full", "SQLITE_FULL"));
    expect(full).toMatchObject({ status: 507, code: "insufficient_storage", reason: "full", headers: { "Retry-After": "30" } });
    expect(new StorageFullError(new Database.SqliteError("disk I/O error", "SQLITE_IOERR")).reason).toBe("io-error");
  });
});

describe("PostgreSQL's errors", () => {
  it("are full for disk_full and io_error, also from Prisma's pg adapter, and not for a statement over a limit", () => {
    expect(isStorageFull(postgresError("53100", "could not extend file: No space left on device"))).toBe(true);
    expect(isStorageFull(postgresError("58030", "could not write block"))).toBe(true);
    expect(isStorageFull(new Error("adapter", { cause: { kind: "postgres", originalCode: "53100", originalMessage: "disk full" } }))).toBe(true);
    expect(new StorageFullError(postgresError("53100")).reason).toBe("full");
    expect(new StorageFullError(postgresError("58030")).reason).toBe("io-error");
    expect(isStorageFull(postgresError("54000", "index row size exceeds btree maximum"))).toBe(false);
    expect(isStorageFull(postgresError("23505", "duplicate key"))).toBe(false);
  });

  it("are unavailable when the server is going, not up, out of connections, or a statement or lock waited too long", () => {
    for (const code of ["57P01", "57P02", "57P03", "53300", "57014", "55P03", "08006", "08001", "08P01"])
      expect(isStorageUnavailable(postgresError(code)), code).toBe(true);
    for (const code of ["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT"]) expect(isStorageUnavailable(socketError(code)), code).toBe(true);
    // pg-pool's and pg's own, without a code.
    expect(isStorageUnavailable(new Error("timeout exceeded when trying to connect"))).toBe(true);
    expect(isStorageUnavailable(new Error("Connection terminated unexpectedly"))).toBe(true);
    // Prisma's, and its pg adapter's.
    expect(isStorageUnavailable(Object.assign(new Error("Can't reach database server"), { code: "P1001" }))).toBe(true);
    expect(isStorageUnavailable(new Error("adapter", { cause: { kind: "DatabaseNotReachable" } }))).toBe(true);
    expect(isStorageUnavailable(new Error("adapter", { cause: { kind: "TooManyConnections", originalCode: "53300" } }))).toBe(true);
    // What was asked is wrong, or one row: not the database's state.
    for (const code of ["23505", "23503", "40P01", "42P01", "53100"]) expect(isStorageUnavailable(postgresError(code)), code).toBe(false);
    expect(isStorageUnavailable(new Error("capture for bin x: the bin no longer exists"))).toBe(false);
    expect(isStorageUnavailable(undefined)).toBe(false);
  });

  it("become the answers 507 and 503 (with Retry-After) through storageRefusal; anything else is left alone", () => {
    try {
      expect(storageRefusal(postgresError("53100"))).toBeInstanceOf(StorageFullError);
      const unavailable = storageRefusal(socketError("ECONNREFUSED"));
      expect(unavailable).toBeInstanceOf(StorageUnavailableError);
      expect(unavailable).toMatchObject({ status: 503, code: "service_unavailable", headers: { "Retry-After": "5" } });
      const already = new StorageUnavailableError(null);
      expect(storageRefusal(already)).toBe(already);
      expect(storageRefusal(postgresError("23505"))).toBeNull();
      expect(storageRefusal(new Error("something else"))).toBeNull();
    } finally {
      markStorageWritable();
    }
  });
});

describe("storageStatus", () => {
  it("reports full until a write succeeds, trying the writer's trial write at most once a second", async () => {
    let trials = 0;
    let roomAgain = false;
    registerStorageProbe(async () => {
      trials += 1;
      if (roomAgain) markStorageWritable();
      return roomAgain;
    });
    try {
      markStorageFull("full", 1_000);
      // Not within the first interval: a small trial write may fit where the failed one did not.
      expect(await storageStatus(1_500)).toMatchObject({ ok: false });
      expect(trials).toBe(0);
      expect(await storageStatus(5_000)).toEqual({ ok: false, storage: "full", since: 1_000 });
      expect(await storageStatus(5_500)).toMatchObject({ ok: false });
      expect(trials).toBe(1);
      roomAgain = true;
      expect(await storageStatus(6_000)).toEqual({ ok: true });
      expect(trials).toBe(2);
      expect(await storageStatus(9_000)).toEqual({ ok: true });
      expect(trials, "no trial write while storage is fine").toBe(2);
    } finally {
      registerStorageProbe(null);
      markStorageWritable();
    }
  });
});
