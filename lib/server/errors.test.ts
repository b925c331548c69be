import { describe, expect, it, vi } from "vitest";
import { AppError } from "./errors.ts";
import { StorageFullError, StorageUnavailableError } from "./storage/storage-health.ts";

describe("AppError across copies of its module", () => {
  it("is recognised by another copy's classes (Next's bundles and the custom server each load one), each class by its own brand", async () => {
    vi.resetModules();
    const other = await import("./errors.ts");
    const otherStorage = await import("./storage/storage-health.ts");
    expect(other.AppError).not.toBe(AppError);

    const conflict = new other.AppError("conflict", "taken");
    expect(conflict instanceof AppError).toBe(true);
    expect(conflict instanceof StorageFullError).toBe(false);

    const full = new otherStorage.StorageFullError(Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" }));
    expect(full instanceof AppError).toBe(true);
    expect(full instanceof StorageFullError).toBe(true);
    expect(full instanceof StorageUnavailableError).toBe(false);
    expect(new AppError("not_found", "x") instanceof other.AppError).toBe(true);

    expect(new Error("plain") instanceof AppError).toBe(false);
    expect({ code: "conflict" } instanceof AppError).toBe(false);
  });
});
