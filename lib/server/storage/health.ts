import { AppError } from "../errors.ts";
import { storageStatus } from "./storage-health.ts";
import { getStorage } from "./storage.ts";

/** @throws AppError service_unavailable when the database does not answer */
export async function checkDatabase(): Promise<void> {
  try {
    await getStorage().health.ping();
  } catch (error) {
    console.error("[health] database check failed", error);
    throw new AppError("service_unavailable", "The database is not answering.");
  }
}

export type HealthReport = { ok: true } | { ok: false; storage: string; since: string; message: string };

/**
 * What `/api/health` answers: ok, or why captures are being refused while the database
 * answers reads but cannot store writes (full disk, MAX_DATABASE_BYTES, I/O errors).
 * @throws AppError service_unavailable when the database does not answer
 */
export async function checkHealth(): Promise<HealthReport> {
  await checkDatabase();
  const status = await storageStatus();
  if (status.ok) return { ok: true };
  return {
    ok: false,
    storage: status.storage,
    since: new Date(status.since).toISOString(),
    message:
      status.storage === "full"
        ? "The database is full (the disk, or MAX_DATABASE_BYTES): captures are answered 507 and not stored until space is freed."
        : "Writes to the database fail with I/O errors: captures are answered 507 and not stored.",
  };
}
