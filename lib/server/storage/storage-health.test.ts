import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { StorageFullError, isStorageFull, markStorageFull, markStorageWritable, registerStorageProbe, storageStatus } from "./storage-health.ts";

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
