import type { ForwardJobState } from "../../../types.ts";
import { type ForwardingStorage, type JobEnd, type StoredJob, endedByTurningOff } from "../storage.ts";
import { storedBody, storedBodyColumns } from "./bodies.ts";
import type { PrismaModels } from "./models.ts";

const jobColumns = { id: true, requestId: true, binId: true, target: true, maxAttempts: true, attempts: true } as const;

type JobRow = Omit<StoredJob, "nextAttemptAt"> & { nextAttemptAt: bigint };

function toJob(row: JobRow): StoredJob {
  return {
    state: row.state,
    target: row.target,
    attempts: row.attempts,
    maxAttempts: row.maxAttempts,
    nextAttemptAt: Number(row.nextAttemptAt),
    lastError: row.lastError,
  };
}

function endColumns(end: JobEnd) {
  return { state: end.state, attempts: end.attempts, nextAttemptAt: BigInt(end.nextAttemptAt), lastError: end.lastError };
}

const stillRunning = "running" satisfies ForwardJobState;

export function createForwardingRepository(db: PrismaModels): ForwardingStorage {
  return {
    async captureToForward(binId, requestId) {
      const row = await db.capturedRequest.findFirst({
        where: { id: requestId, binId },
        select: { method: true, path: true, query: true, headers: true, ...storedBodyColumns },
      });
      if (!row) return null;
      return { method: row.method, path: row.path, query: row.query, headers: row.headers, body: storedBody(row) };
    },

    async keepAttempt(attempt, keepNewest) {
      return db.$transaction(async (tx) => {
        const created = await tx.forwardAttempt.create({ data: attempt });
        const [newestGone] = await tx.forwardAttempt.findMany({
          where: { requestId: attempt.requestId },
          orderBy: { id: "desc" },
          skip: keepNewest,
          take: 1,
          select: { id: true },
        });
        if (newestGone) await tx.forwardAttempt.deleteMany({ where: { requestId: attempt.requestId, id: { lte: newestGone.id } } });
        return created;
      });
    },

    async forwardsOf(binId, requestId) {
      const capture = await db.capturedRequest.findFirst({ where: { id: requestId, binId }, select: { id: true, bin: { select: { forwardUrl: true } } } });
      if (!capture) return null;
      const [attempts, recent, job] = await Promise.all([
        db.forwardAttempt.findMany({ where: { requestId }, orderBy: { id: "asc" } }),
        db.forwardAttempt.groupBy({
          by: ["target"],
          where: { request: { binId } },
          _max: { id: true },
          orderBy: { _max: { id: "desc" } },
          take: 10,
        }),
        db.forwardJob.findFirst({ where: { requestId } }),
      ]);
      return {
        attempts,
        job: job ? toJob(job) : null,
        rememberedUrl: capture.bin.forwardUrl,
        recentTargets: recent.map((entry) => entry.target),
      };
    },

    async attemptWithJob(binId, attemptId) {
      const attempt = await db.forwardAttempt.findFirst({ where: { id: attemptId, request: { binId } } });
      if (!attempt) return null;
      const job = await db.forwardJob.findFirst({ where: { requestId: attempt.requestId } });
      return { attempt, job: job ? toJob(job) : null };
    },

    async resetRunningJobs() {
      const { count } = await db.forwardJob.updateMany({ where: { state: stillRunning }, data: { state: "pending" satisfies ForwardJobState } });
      return count;
    },

    async claimDueJobs(limit, now) {
      const due = await db.forwardJob.findMany({
        where: { state: "pending" satisfies ForwardJobState, nextAttemptAt: { lte: BigInt(now) } },
        orderBy: [{ nextAttemptAt: "asc" }, { id: "asc" }],
        take: limit,
        select: jobColumns,
      });
      const claimed = [];
      for (const job of due) {
        // Only a job still pending is taken: another claim may have got it first.
        const { count } = await db.forwardJob.updateMany({ where: { id: job.id, state: "pending" satisfies ForwardJobState }, data: { state: stillRunning } });
        if (count === 1) claimed.push(job);
      }
      return claimed;
    },

    async nextDueAt() {
      const next = await db.forwardJob.findFirst({
        where: { state: "pending" satisfies ForwardJobState },
        orderBy: { nextAttemptAt: "asc" },
        select: { nextAttemptAt: true },
      });
      return next ? Number(next.nextAttemptAt) : null;
    },

    async finishJob(jobId, end) {
      const updated = await db.forwardJob.updateMany({ where: { id: jobId, state: stillRunning }, data: endColumns(end) });
      if (updated.count > 0) return { state: end.state, nextAttemptAt: end.nextAttemptAt, lastError: end.lastError };
      // Ended meanwhile (auto-forward turned off): it keeps that end, counting the attempt it made.
      const [current] = await db.forwardJob.updateManyAndReturn({
        where: { id: jobId },
        data: { attempts: end.attempts },
        select: { state: true, nextAttemptAt: true, lastError: true },
      });
      return current ? { state: current.state, nextAttemptAt: Number(current.nextAttemptAt), lastError: current.lastError } : null;
    },

    async putBackJob(jobId, end) {
      const { count } = await db.forwardJob.updateMany({ where: { id: jobId, state: stillRunning }, data: endColumns(end) });
      return count > 0;
    },

    async endRunningJob(jobId) {
      const { count } = await db.forwardJob.updateMany({ where: { id: jobId, state: stillRunning }, data: endedByTurningOff });
      return count > 0;
    },

    async endJobsOfBin(binId) {
      const { count } = await db.forwardJob.updateMany({
        where: { binId, state: { in: ["pending", "running"] satisfies ForwardJobState[] } },
        data: endedByTurningOff,
      });
      return count;
    },
  };
}
