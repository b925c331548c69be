import type pg from "pg";
import type { ForwardJobState } from "../../../types.ts";
import type { ClaimedJob, ForwardingStorage } from "../storage.ts";

type JobRow = { id: string; requestId: string; binId: string; target: string; maxAttempts: number; attempts: number };

const running = "running" satisfies ForwardJobState;
const pending = "pending" satisfies ForwardJobState;

/**
 * The auto-forward job steps that differ when several instances share the table.
 *
 * A job is claimed with `FOR UPDATE SKIP LOCKED`, so two instances scanning at once take
 * different jobs without waiting for each other, and set `running` with a lease: while
 * running, `nextAttemptAt` is the moment the claim lapses (`leaseMs` ahead). An instance
 * that dies mid-attempt leaves its job running; once the lease has lapsed any instance
 * claims it again, so its retries survive the death (the worker's poll finds it: a lapsed
 * claim is not in `nextDueAt`). Nothing is reset at start-up: a job another instance is
 * sending right now must not be sent twice.
 */
export function postgresJobSteps(pool: pg.Pool, leaseMs: number): Pick<ForwardingStorage, "claimDueJobs" | "resetRunningJobs"> {
  return {
    async resetRunningJobs() {
      // Running jobs belong to instances that may be alive; the lease covers dead ones.
      return 0;
    },

    async claimDueJobs(limit, now) {
      if (limit <= 0) return [];
      const { rows } = await pool.query<JobRow>(
        `UPDATE "ForwardJob" SET "state" = $1, "nextAttemptAt" = $2
           WHERE "id" IN (
             SELECT "id" FROM "ForwardJob"
              WHERE "state" IN ($3, $1) AND "nextAttemptAt" <= $4
              ORDER BY "nextAttemptAt", "id"
              LIMIT $5
              FOR UPDATE SKIP LOCKED)
         RETURNING "id", "requestId", "binId", "target", "maxAttempts", "attempts"`,
        [running, now + leaseMs, pending, now, limit],
      );
      // RETURNING keeps no order; the worker starts the earliest first.
      return rows.map((row): ClaimedJob => ({ ...row })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },
  };
}
