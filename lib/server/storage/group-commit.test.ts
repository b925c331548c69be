import { describe, expect, it } from "vitest";
import type { CaptureRow, CaptureWriter } from "./storage.ts";
import { AppError } from "../errors.ts";
import { GroupCommitWriter } from "./group-commit.ts";
import { StorageFullError, StorageUnavailableError } from "./storage-health.ts";
import { captureRow } from "./test-builders.ts";

function row(id: string, overrides: Partial<CaptureRow> = {}): CaptureRow {
  return captureRow({ id, binId: "bin", body: Buffer.from(id), size: id.length, ...overrides });
}

type Deferred = { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void };

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * An in-memory store whose writes complete only when the test says so (or at once with
 * `autoCommit`), recording every group it was asked to write and what it committed.
 */
function gatedStore(options: { autoCommit?: boolean; refuse?: (row: CaptureRow) => boolean } = {}) {
  const groups: string[][] = [];
  const committed: string[] = [];
  const gates: Deferred[] = [];
  const store: CaptureWriter = {
    async insertAll(rows) {
      groups.push(rows.map((r) => r.id));
      if (!options.autoCommit) {
        const gate = deferred();
        gates.push(gate);
        await gate.promise;
      }
      const bad = rows.find((r) => options.refuse?.(r));
      if (bad) throw new Error(`refused ${bad.id}`);
      committed.push(...rows.map((r) => r.id));
      // One bin's numbers, as the real store gives them: the place in commit order.
      return { seqs: rows.map((_row, index) => committed.length - rows.length + index + 1), pruned: [] };
    },
  };
  return { store, groups, committed, gates };
}

/** Lets the writer's setImmediate and promise callbacks run. */
const tick = () => new Promise((resolve) => setImmediate(resolve));

function track(promise: Promise<void>) {
  const state = { settled: false, error: undefined as unknown };
  promise.then(
    () => (state.settled = true),
    (error: unknown) => {
      state.settled = true;
      state.error = error;
    },
  );
  return state;
}

describe("GroupCommitWriter", () => {
  it("groups the rows that arrive while a write is in flight into the next write", async () => {
    const { store, groups, gates } = gatedStore();
    const writer = new GroupCommitWriter(store, { maxPending: 100 });

    const first = track(writer.write(row("01")));
    await tick();
    expect(groups).toEqual([["01"]]);

    const waiting = ["02", "03", "04"].map((id) => track(writer.write(row(id))));
    await tick();
    expect(groups).toHaveLength(1); // nothing else starts while the first write is in flight
    expect(writer.pending).toBe(4); // three queued and one being written: none committed yet

    gates[0]!.resolve();
    await tick();
    expect(first.settled).toBe(true);
    expect(groups).toEqual([["01"], ["02", "03", "04"]]);
    expect(waiting.some((w) => w.settled)).toBe(false); // their group has not committed yet

    gates[1]!.resolve();
    await tick();
    expect(waiting.every((w) => w.settled && w.error === undefined)).toBe(true);
  });

  it("settles each caller only after its own group commits", async () => {
    const { store, gates } = gatedStore();
    const writer = new GroupCommitWriter(store, { maxPending: 100 });
    const a = track(writer.write(row("01")));
    await tick();
    const b = track(writer.write(row("02")));
    await tick();
    expect([a.settled, b.settled]).toEqual([false, false]);
    gates[0]!.resolve();
    await tick();
    expect([a.settled, b.settled]).toEqual([true, false]);
    gates[1]!.resolve();
    await tick();
    expect([a.settled, b.settled]).toEqual([true, true]);
  });

  it("commits and reports rows in the order write was called, each with the place its group gave it", async () => {
    const { store, committed, groups } = gatedStore({ autoCommit: true });
    const reported: string[] = [];
    const places: number[] = [];
    const writer = new GroupCommitWriter(store, {
      maxPending: 1_000,
      maxRowsPerGroup: 7,
      onCommitted: (r, seq) => {
        reported.push(r.id);
        places.push(seq);
      },
    });
    const ids = Array.from({ length: 50 }, (_, i) => String(i).padStart(3, "0"));
    const writes: Promise<void>[] = [];
    for (const [i, id] of ids.entries()) {
      writes.push(writer.write(row(id)));
      if (i % 9 === 0) await tick(); // let some groups start mid-stream
    }
    await Promise.all(writes);
    expect(committed).toEqual(ids);
    expect(reported).toEqual(ids);
    expect(places).toEqual(ids.map((_id, index) => index + 1));
    expect(groups.flat()).toEqual(ids);
    expect(groups.every((g) => g.length <= 7)).toBe(true);
    expect(groups.length).toBeGreaterThan(1);
  });

  it("fails only the row that cannot be written; its neighbours commit", async () => {
    const { store, committed } = gatedStore({ autoCommit: true, refuse: (r) => r.binId === "deleted" });
    const reported: string[] = [];
    const writer = new GroupCommitWriter(store, { maxPending: 100, onCommitted: (r) => reported.push(r.id) });
    const results = await Promise.allSettled([writer.write(row("01")), writer.write(row("02", { binId: "deleted" })), writer.write(row("03"))]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(((results[1] as PromiseRejectedResult).reason as Error).message).toBe("refused 02");
    expect(committed).toEqual(["01", "03"]);
    expect(reported).toEqual(["01", "03"]);

    // The writer keeps working afterwards.
    await writer.write(row("04"));
    expect(committed).toEqual(["01", "03", "04"]);
  });

  it.each([
    {
      name: "unavailable (503)",
      refusal: () => new StorageUnavailableError(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" })),
    },
    { name: "full (507)", refusal: () => new StorageFullError(Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" })) },
  ])("fails the whole group at once when the database is $name, without trying its rows one by one", async ({ refusal }) => {
    const groups: string[][] = [];
    const refused = refusal();
    const store: CaptureWriter = {
      async insertAll(rows) {
        groups.push(rows.map((r) => r.id));
        throw refused;
      },
    };
    const writer = new GroupCommitWriter(store, { maxPending: 100 });
    const results = await Promise.allSettled(["01", "02", "03"].map((id) => writer.write(row(id))));
    expect(results).toEqual(["01", "02", "03"].map(() => ({ status: "rejected", reason: refused })));
    expect(groups).toEqual([["01", "02", "03"]]);
  });

  it("refuses with 503 once maxPending captures are waiting, and accepts again after they drain", async () => {
    const { store, gates, committed } = gatedStore();
    const writer = new GroupCommitWriter(store, { maxPending: 3 });
    const accepted = [writer.write(row("01")), writer.write(row("02")), writer.write(row("03"))];
    const error = await writer.write(row("04")).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("service_unavailable");
    expect((error as AppError).status).toBe(503);
    expect((error as AppError).headers).toEqual({ "Retry-After": "1" });

    await tick();
    gates[0]!.resolve();
    await Promise.all(accepted);
    const later = writer.write(row("05"));
    await tick();
    gates[1]!.resolve();
    await expect(later).resolves.toBeUndefined();
    expect(committed).toEqual(["01", "02", "03", "05"]);
  });

  it("splits a burst of large bodies by maxBytesPerGroup, never leaving a row behind", async () => {
    const { store, groups } = gatedStore({ autoCommit: true });
    const writer = new GroupCommitWriter(store, { maxPending: 100, maxBytesPerGroup: 10 });
    const big = (id: string, size: number) => row(id, { body: Buffer.alloc(size), size });
    await Promise.all([big("a", 4), big("b", 4), big("c", 4), big("d", 25), big("e", 1)].map((r) => writer.write(r)));
    // Groups of at most 10 body bytes; a row larger than that goes alone rather than never.
    expect(groups).toEqual([["a", "b"], ["c"], ["d"], ["e"]]);
  });

  it("flushed() waits for everything accepted so far", async () => {
    const { store, committed, gates } = gatedStore();
    const writer = new GroupCommitWriter(store, { maxPending: 100 });
    void writer.write(row("01"));
    void writer.write(row("02"));
    let flushed = false;
    const done = writer.flushed().then(() => (flushed = true));
    await tick();
    expect(flushed).toBe(false);
    gates[0]!.resolve();
    await done;
    expect(committed).toEqual(["01", "02"]);
  });
});
