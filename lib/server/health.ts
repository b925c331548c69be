import { getDb } from "./db.ts";
import { AppError } from "./errors.ts";

/** @throws AppError service_unavailable when SQLite does not answer */
export async function checkDatabase(): Promise<void> {
  try {
    await getDb().$queryRawUnsafe("SELECT 1");
  } catch (error) {
    console.error("[health] database check failed", error);
    throw new AppError("service_unavailable", "The database is not answering.");
  }
}
