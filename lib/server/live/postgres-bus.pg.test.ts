import pg from "pg";
import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import { createTestDatabase, describeWithPostgres } from "@/e2e/support/postgres.ts";
import type { BinEvent, ForwardAttemptSummary, ForwardJobDto, RequestSummary } from "../../types.ts";
import { captureNotice, captureNoticeSql, liveChannel, parseNotice } from "./notices.ts";
import { createPostgresBus, type PostgresBus, type PostgresBusOptions } from "./postgres-bus.ts";

/** Generous: the machine is shared, and a reconnect waits on purpose. */
const waitOptions = { timeout: 15_000, interval: 20 };

/**
 * The database's side of the bus, in memory: what the storage driver will give the
 * resolvers. Both "instances" read the same one, as they would read the same database.
 */
class FakeStore {
  private readonly captures = new Map<string, RequestSummary[]>();
  readonly attempts = new Map<string, { attempt: ForwardAttemptSummary; job: ForwardJobDto }>();
  /** capturesAfter calls, per bin. */
  readonly reads = new Map<string, number>();
  /** The next this many capturesAfter calls fail, as with the database down. */
  failReads = 0;
  /** When set, capturesAfter waits for it before answering. */
  gate: Promise<void> | null = null;

  append(binId: string): RequestSummary {
    const list = this.captures.get(binId) ?? [];
    this.captures.set(binId, list);
    const seq = (list.at(-1)?.seq ?? 0) + 1;
    const capture: RequestSummary = {
      id: `01K${String(seq).padStart(23, "0")}`,
      binId,
      method: "POST",
      path: `/${seq}`,
      query: "",
      contentType: "application/json",
      size: 2,
      ip: "127.0.0.1",
      receivedAt: 1_700_000_000_000 + seq,
      signature: { provider: null, status: "unchecked", reason: null },
      seq,
    };
    list.push(capture);
    return capture;
  }

  capturesAfter = async (binId: string, afterSeq: number, limit: number): Promise<RequestSummary[]> => {
    this.reads.set(binId, (this.reads.get(binId) ?? 0) + 1);
    if (this.failReads > 0) {
      this.failReads--;
      throw new Error("database unavailable (test)");
    }
    // Read as a query's snapshot is: when asked, whenever the answer arrives.
    const found = (this.captures.get(binId) ?? []).filter((capture) => capture.seq > afterSeq).slice(0, limit);
    if (this.gate) await this.gate;
    return found;
  };

  latest(binId: string): number {
    return this.captures.get(binId)?.at(-1)?.seq ?? 0;
  }

  /** latestSeq calls, per bin. */
  readonly anchors = new Map<string, number>();

  latestSeq = async (binId: string): Promise<number> => {
    this.anchors.set(binId, (this.anchors.get(binId) ?? 0) + 1);
    return this.latest(binId);
  };

  forwardAttempt = async (_binId: string, attemptId: string) => this.attempts.get(attemptId) ?? null;
}

/** What one subscriber heard. */
class Recorder {
  readonly events: BinEvent[] = [];
  readonly unsubscribe: () => void;

  constructor(bus: PostgresBus, binId: string) {
    this.unsubscribe = bus.subscribe(binId, (event) => this.events.push(event));
  }

  seqs(): number[] {
    return this.events.flatMap((event) => (event.type === "request" ? [event.request.seq] : []));
  }

  types(): string[] {
    return this.events.map((event) => event.type);
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

describeWithPostgres("the PostgreSQL live bus", () => {
  let url = "";
  /** Plays the capture writer (its notices) and the operator (pg_terminate_backend). */
  let admin: pg.Client;
  let buses: PostgresBus[] = [];
  let binCounter = 0;

  beforeAll(async () => {
    url = await createTestDatabase("live_bus");
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await Promise.all(buses.map((bus) => bus.close()));
    buses = [];
  });
  afterAll(async () => {
    await admin?.end();
  });

  function newBin(): string {
    binCounter++;
    return `bin${String(binCounter).padStart(19, "0")}`;
  }

  async function startBus(store: FakeStore, options: Partial<PostgresBusOptions> = {}): Promise<PostgresBus> {
    const bus = createPostgresBus({
      connection: url,
      capturesAfter: store.capturesAfter,
      latestSeq: store.latestSeq,
      forwardAttempt: store.forwardAttempt,
      reconnect: { firstMs: 50, maxMs: 400 },
      retryMs: 100,
      ...options,
    });
    buses.push(bus);
    await bus.start();
    return bus;
  }

  it("writes the capture notice in SQL exactly as captureNotice does, whatever the instance id holds", async () => {
    for (const instanceId of [crypto.randomUUID(), "it's \\ an 'odd' id"]) {
      const { rows } = await admin.query<{ payload: string }>(
        `SELECT ${captureNoticeSql(instanceId)} AS "payload" FROM (SELECT $1::text AS "binId", $2::int AS "lastSeq") AS "written"`,
        ["bin-a", 42],
      );
      expect(parseNotice(rows[0]!.payload)).toEqual(parseNotice(captureNotice("bin-a", 42, instanceId)));
      expect(parseNotice(rows[0]!.payload)).not.toBeNull();
    }
  });

  /** What the capture writer does in its storing transaction: store, then notify. */
  async function capture(store: FakeStore, binId: string, writer: string): Promise<RequestSummary> {
    const stored = store.append(binId);
    await admin.query("SELECT pg_notify($1, $2)", [liveChannel, captureNotice(binId, stored.seq, writer)]);
    return stored;
  }

  /** `count` captures at once: their notices sent in batches of 20, each batch one transaction. */
  async function captureBurst(store: FakeStore, binId: string, count: number, writer: (seq: number) => string): Promise<void> {
    for (let sent = 0; sent < count; sent += 20) {
      const batch = range(1, Math.min(20, count - sent)).map(() => store.append(binId));
      const payloads = batch.map((stored) => captureNotice(binId, stored.seq, writer(stored.seq)));
      await admin.query("SELECT pg_notify($1, payload) FROM unnest($2::text[]) WITH ORDINALITY AS t(payload, n) ORDER BY n", [liveChannel, payloads]);
    }
  }

  /** The bus's connections the database has, by kind (listener, notifier). */
  async function backends(bus: PostgresBus): Promise<string[]> {
    const rows = await admin.query<{ name: string }>(
      "SELECT split_part(application_name, ' ', 1) AS name FROM pg_stat_activity WHERE application_name LIKE '% ' || $1 ORDER BY 1",
      [bus.instanceId],
    );
    return rows.rows.map((row) => row.name);
  }

  async function listenerPid(bus: PostgresBus): Promise<number | undefined> {
    const rows = await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = $1", [`hookyard-live ${bus.instanceId}`]);
    return rows.rows[0]?.pid;
  }

  it("delivers a capture stored on instance A to a subscriber on instance B, rebuilt from its key", async () => {
    const store = new FakeStore();
    const a = await startBus(store);
    const b = await startBus(store);
    const binId = newBin();
    const onB = new Recorder(b, binId);

    const stored = await capture(store, binId, a.instanceId);
    await vi.waitFor(() => expect(onB.events).toEqual([{ type: "request", request: stored }]), waitOptions);
  });

  it("delivers a burst of 200 captures from two writers exactly once and in sequence order, on both instances", async () => {
    const store = new FakeStore();
    const a = await startBus(store);
    const b = await startBus(store);
    const binId = newBin();
    const onA = new Recorder(a, binId);
    const onB = new Recorder(b, binId);

    await captureBurst(store, binId, 200, (seq) => (seq % 2 === 0 ? a.instanceId : b.instanceId));
    await vi.waitFor(() => {
      expect(onB.seqs()).toEqual(range(1, 200));
      expect(onA.seqs()).toEqual(range(1, 200));
    }, waitOptions);
    // Nothing more comes before the next capture: no late duplicate.
    await capture(store, binId, "writer");
    await vi.waitFor(() => {
      expect(onB.seqs()).toEqual(range(1, 201));
      expect(onA.seqs()).toEqual(range(1, 201));
    }, waitOptions);
  });

  it("coalesces notices that arrive while a catch-up reads: one more read follows, not one per notice", async () => {
    const store = new FakeStore();
    const heard: string[] = [];
    const b = await startBus(store, { onNotice: (_binId, type) => heard.push(type) });
    const binId = newBin();
    const onB = new Recorder(b, binId);

    let open = () => {};
    store.gate = new Promise((resolve) => (open = resolve));
    await capture(store, binId, "writer");
    // The first notice's read has its answer (capture 1) and is held; the others come meanwhile.
    await vi.waitFor(() => expect(store.reads.get(binId)).toBe(1), waitOptions);
    await captureBurst(store, binId, 49, () => "writer");
    await vi.waitFor(() => expect(heard).toHaveLength(50), waitOptions);
    expect(store.reads.get(binId)).toBe(1);
    store.gate = null;
    open();

    await vi.waitFor(() => expect(onB.seqs()).toEqual(range(1, 50)), waitOptions);
    expect(store.reads.get(binId)).toBe(2);
  });

  it("delivers another instance's events in notice order: a deletion waits for the catch-up of the capture it deletes", async () => {
    const store = new FakeStore();
    const a = await startBus(store);
    const heard: string[] = [];
    const b = await startBus(store, { onNotice: (_binId, type) => heard.push(type) });
    const binId = newBin();
    const onB = new Recorder(b, binId);

    let open = () => {};
    store.gate = new Promise((resolve) => (open = resolve));
    const stored = await capture(store, binId, a.instanceId);
    await vi.waitFor(() => expect(store.reads.get(binId)).toBe(1), waitOptions);
    a.publish(binId, { type: "request-deleted", binId, requestId: stored.id });
    await vi.waitFor(() => expect(heard).toEqual(["request", "request-deleted"]), waitOptions);
    expect(onB.events).toEqual([]);
    store.gate = null;
    open();

    await vi.waitFor(
      () =>
        expect(onB.events).toEqual([
          { type: "request", request: stored },
          { type: "request-deleted", binId, requestId: stored.id },
        ]),
      waitOptions,
    );
  });

  it("delivers a capture whose notice was lost, in order, when a later one is noticed", async () => {
    const store = new FakeStore();
    const b = await startBus(store);
    const binId = newBin();
    const onB = new Recorder(b, binId);
    for (let i = 1; i <= 4; i++) await capture(store, binId, "writer");
    await vi.waitFor(() => expect(onB.seqs()).toEqual(range(1, 4)), waitOptions);

    store.append(binId); // 5: stored, its notice lost
    await capture(store, binId, "writer"); // 6
    await vi.waitFor(() => expect(onB.seqs()).toEqual(range(1, 6)), waitOptions);
  });

  it("starts a new subscription where it subscribed, even when the first notice it hears is not of the first capture since", async () => {
    const store = new FakeStore();
    const heard: string[] = [];
    const b = await startBus(store, { onNotice: (_binId, type) => heard.push(type) });
    const binId = newBin();
    await capture(store, binId, "writer");
    await capture(store, binId, "writer");
    // Heard before the subscription; otherwise the feed could start at 2 (a late notice
    // of a capture made just before it subscribed, which is delivered then, harmlessly).
    await vi.waitFor(() => expect(heard).toHaveLength(2), waitOptions);
    const onB = new Recorder(b, binId);
    // The bin's latest sequence (2) is read as the subscription begins.
    expect(store.anchors.get(binId)).toBe(1);

    store.append(binId); // 3: stored after the subscription, its notice lost
    await capture(store, binId, "writer"); // 4
    await vi.waitFor(() => expect(onB.seqs()).toEqual([3, 4]), waitOptions);
  });

  it("retries a catch-up that failed, from where it was, without losing or repeating a capture", async () => {
    const store = new FakeStore();
    const b = await startBus(store);
    const binId = newBin();
    const onB = new Recorder(b, binId);
    await capture(store, binId, "writer");
    await vi.waitFor(() => expect(onB.seqs()).toEqual([1]), waitOptions);
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});

    store.failReads = 2;
    await capture(store, binId, "writer");
    await capture(store, binId, "writer");
    await vi.waitFor(() => expect(onB.seqs()).toEqual([1, 2, 3]), waitOptions);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining("could not catch up"), expect.any(Error));
  });

  it("after pg_terminate_backend of B's listener, reconnects, delivers every capture exactly once in order, then resync", async () => {
    const store = new FakeStore();
    const heard: string[] = [];
    const a = await startBus(store);
    let resyncs = 0;
    const b = await startBus(store, { onNotice: (_binId, type) => heard.push(type), onResync: () => resyncs++, reconnect: { firstMs: 500, maxMs: 500 } });
    const binId = newBin();
    const onB = new Recorder(b, binId);
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});

    for (let i = 1; i <= 5; i++) await capture(store, binId, a.instanceId);
    await vi.waitFor(() => expect(onB.seqs()).toEqual(range(1, 5)), waitOptions);
    const before = await listenerPid(b);
    expect(before).toBeTypeOf("number");

    // Captures keep landing as B's listener is cut off, and some more while it is away
    // (its reconnect waits 500 ms), none after it is back: only the catch-up that
    // follows the reconnect can bring those.
    let lost = false;
    const writing = (async () => {
      let down = 0;
      while (down < 10) {
        await capture(store, binId, a.instanceId);
        if (lost) down++;
        else await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    await vi.waitFor(() => expect(onB.seqs().length).toBeGreaterThan(10), waitOptions);
    await admin.query("SELECT pg_terminate_backend($1)", [before]);
    await vi.waitFor(() => expect(logged).toHaveBeenCalledWith(expect.stringContaining("lost the LISTEN connection"), expect.anything()), waitOptions);
    lost = true;
    await writing;
    const written = store.latest(binId);
    expect(onB.seqs().length).toBeLessThan(written);

    await vi.waitFor(async () => {
      const after = await listenerPid(b);
      expect(after).toBeTypeOf("number");
      expect(after).not.toBe(before);
    }, waitOptions);
    await vi.waitFor(() => expect(onB.seqs()).toEqual(range(1, written)), waitOptions);
    // After the captures it missed, which it does not replace.
    await vi.waitFor(() => expect(onB.types().at(-1)).toBe("resync"), waitOptions);
    expect(onB.types().filter((type) => type === "resync")).toHaveLength(1);
    expect(heard).toContain("resync");
    expect(resyncs, "whatever the process keeps of any bin is forgotten once").toBe(1);

    // And it keeps listening.
    await capture(store, binId, a.instanceId);
    await vi.waitFor(() => expect(onB.seqs()).toEqual(range(1, written + 1)), waitOptions);
  });

  it("delivers events published on A once to B's subscribers and once, not twice, to A's own", async () => {
    const store = new FakeStore();
    const a = await startBus(store);
    const b = await startBus(store);
    const binId = newBin();
    const onA = new Recorder(a, binId);
    const onB = new Recorder(b, binId);
    const published: BinEvent[] = [
      { type: "request-deleted", binId, requestId: "01K00000000000000000000009" },
      { type: "requests-pruned", binId, throughSeq: 3, removed: 3 },
      { type: "bin-updated", binId },
      { type: "requests-cleared", binId, throughSeq: 9 },
      { type: "grant-revoked", binId, grantId: "grant-7" },
      { type: "bin-deleted", binId },
    ];
    for (const event of published) a.publish(binId, event);
    // A's own subscribers have them at once, before any notice went out.
    expect(onA.events).toEqual(published);

    await vi.waitFor(() => expect(onB.events).toEqual(published), waitOptions);
    // A's own notices came back to A before this one (notices arrive in commit order).
    const sentinel = await capture(store, binId, b.instanceId);
    await vi.waitFor(() => expect(onA.events).toEqual([...published, { type: "request", request: sentinel }]), waitOptions);
    await vi.waitFor(() => expect(onB.events).toEqual([...published, { type: "request", request: sentinel }]), waitOptions);
  });

  it("delivers a capture A's writer committed at once on A, and after a gap only once the capture before it is delivered", async () => {
    const store = new FakeStore();
    const a = await startBus(store);
    const binId = newBin();
    const onA = new Recorder(a, binId);
    await capture(store, binId, a.instanceId);
    await vi.waitFor(() => expect(onA.seqs()).toEqual([1]), waitOptions);

    // 2 is the next: it goes out as the writer publishes it, before its notice.
    const second = store.append(binId);
    a.publish(binId, { type: "request", request: second });
    expect(onA.seqs()).toEqual([1, 2]);

    // 3 is another instance's, its notice still on the way; 4 is A's own.
    const third = store.append(binId);
    const fourth = store.append(binId);
    a.publish(binId, { type: "request", request: fourth });
    await vi.waitFor(() => expect(onA.seqs()).toEqual([1, 2, 3, 4]), waitOptions);
    for (const late of [second, third, fourth]) {
      await admin.query("SELECT pg_notify($1, $2)", [liveChannel, captureNotice(binId, late.seq, late === third ? "other" : a.instanceId)]);
    }
    await capture(store, binId, "other");
    await vi.waitFor(() => expect(onA.seqs()).toEqual([1, 2, 3, 4, 5]), waitOptions);
  });

  it("sends a forward attempt too large for a notice as its id, and B reads it back through the resolver", async () => {
    const store = new FakeStore();
    const a = await startBus(store);
    const b = await startBus(store);
    const binId = newBin();
    const onA = new Recorder(a, binId);
    const onB = new Recorder(b, binId);
    const attempt: ForwardAttemptSummary = {
      id: "01K00000000000000000000042",
      requestId: "01K00000000000000000000041",
      createdAt: 1_700_000_000_500,
      target: "http://127.0.0.1:4000/hooks",
      url: "http://127.0.0.1:4000/hooks",
      method: "POST",
      // Far beyond the 8000 bytes a NOTIFY payload may hold.
      requestHeaders: [["X-Big", "x".repeat(20_000)]],
      requestSize: 2,
      resigned: false,
      durationMs: 12,
      status: 200,
      headers: [["Content-Type", "text/plain"]],
      bodyTruncated: false,
      error: null,
      automatic: true,
    };
    const job: ForwardJobDto = { state: "delivered", target: attempt.target, attempts: 1, maxAttempts: 3, nextAttemptAt: null, lastError: null };
    store.attempts.set(attempt.id, { attempt, job });
    const event: BinEvent = { type: "forward-attempt", binId, attempt, job };

    a.publish(binId, event);
    expect(onA.events).toEqual([event]);
    await vi.waitFor(() => expect(onB.events).toEqual([event]), waitOptions);
  });

  it("stops delivering to a subscriber that unsubscribed, and reads nothing for a bin nobody here watches", async () => {
    const store = new FakeStore();
    const heard: string[] = [];
    const b = await startBus(store, { onNotice: (binId) => heard.push(binId) });
    const binId = newBin();
    const staying = new Recorder(b, binId);
    const leaving = new Recorder(b, binId);
    leaving.unsubscribe();

    await capture(store, binId, "writer");
    await vi.waitFor(() => expect(staying.seqs()).toEqual([1]), waitOptions);
    expect(leaving.events).toEqual([]);

    staying.unsubscribe();
    const readsBefore = store.reads.get(binId);
    await capture(store, binId, "writer");
    await capture(store, binId, "writer");
    // Heard (onNotice is called as each notice is handled), and nothing read for it.
    await vi.waitFor(() => expect(heard.filter((bin) => bin === binId)).toHaveLength(3), waitOptions);
    expect(store.reads.get(binId)).toBe(readsBefore);
    expect(staying.seqs()).toEqual([1]);
  });

  it("close() ends the listener, a pending reconnect and the notifier's connection", async () => {
    const store = new FakeStore();
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    // Only the timers are faked, so that the ones left pending can be counted; the
    // connections and vi.waitFor run on real ones.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const bus = await startBus(store);
      const binId = newBin();
      const recorder = new Recorder(bus, binId);
      bus.publish(binId, { type: "bin-updated", binId });
      await vi.waitFor(async () => expect(await backends(bus)).toEqual(["hookyard-live", "hookyard-notify"]), waitOptions);
      await admin.query("SELECT pg_terminate_backend($1)", [await listenerPid(bus)]);
      // The loss is noticed and a reconnect waits on its timer.
      await vi.waitFor(() => expect(logged).toHaveBeenCalledWith(expect.stringContaining("lost the LISTEN connection"), expect.anything()), waitOptions);
      expect(vi.getTimerCount()).toBeGreaterThan(0);

      await bus.close();
      expect(vi.getTimerCount()).toBe(0);
      await vi.waitFor(async () => expect(await backends(bus)).toEqual([]), waitOptions);
      await expect(bus.start()).rejects.toThrow(/closed/);
      expect(recorder.types()).toEqual(["bin-updated"]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("close() of a listening bus ends its connection in the database", async () => {
    const store = new FakeStore();
    const bus = await startBus(store);
    expect(await listenerPid(bus)).toBeTypeOf("number");
    await bus.close();
    await vi.waitFor(async () => expect(await listenerPid(bus)).toBeUndefined(), waitOptions);
  });
});
