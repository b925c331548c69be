import { randomUUID } from "node:crypto";
import type { DatabaseConfig } from "../../config.ts";
import { forgetChangedElsewhere, forgetEverythingCached } from "../bins/bins.ts";
import { forwardAttemptEvent } from "../forwarding/forwarding.ts";
import { listRequestsAfter } from "../storage/requests.ts";
import { getStorage } from "../storage/storage.ts";
import { type EventBus, getEventBus, installEventBus } from "./events.ts";
import { captureNoticeSql, liveChannel } from "./notices.ts";
import { createPostgresBus } from "./postgres-bus.ts";

/** The process's live bus and what the capture writer needs to reach other instances' buses. */
export type LiveBus = {
  readonly bus: EventBus;
  /** Set with PostgreSQL: what the writer notifies inside each group's transaction (decision 011). */
  readonly captureNotices: { channel: string; payloadSql: string } | null;
  /** Starts listening (PostgreSQL); call once storage is open, before serving. */
  start(): Promise<void>;
  close(): Promise<void>;
};

/**
 * Picks the bus the database calls for and installs it as the process's: the in-process
 * one for SQLite (one process), LISTEN/NOTIFY for PostgreSQL, where other instances write
 * too. Made before storage is opened (its writer sends the capture notices), started after.
 */
export function createLiveBus(database: DatabaseConfig): LiveBus {
  if (database.kind === "sqlite") {
    // The bus modules reach through getEventBus() already: one process, one emitter.
    const bus = getEventBus();
    return { bus, captureNotices: null, start: async () => undefined, close: async () => undefined };
  }
  const instanceId = randomUUID();
  const bus = createPostgresBus({
    connection: database.url,
    instanceId,
    capturesAfter: (binId, afterSeq, limit) => listRequestsAfter(binId, afterSeq, limit),
    latestSeq: (binId) => getStorage().captures.latestSeq(binId),
    forwardAttempt: (binId, attemptId) => forwardAttemptEvent(binId, attemptId),
    // Settings and counts cached here were changed by another instance: read them again.
    onNotice: (binId, type) => forgetChangedElsewhere(binId, type),
    // Changes made elsewhere while this instance was not listening were never heard.
    onResync: () => forgetEverythingCached(),
  });
  installEventBus(bus);
  return {
    bus,
    captureNotices: { channel: liveChannel, payloadSql: captureNoticeSql(instanceId) },
    start: () => bus.start(),
    close: () => bus.close(),
  };
}
