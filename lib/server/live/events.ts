import { EventEmitter } from "node:events";
import type { BinEvent } from "../../types.ts";

export type BinEventListener = (event: BinEvent) => void;

/**
 * Live events per bin. In-process today; a PostgreSQL LISTEN/NOTIFY implementation
 * can sit behind the same two methods when several instances share a database.
 * Publish only after the change is committed, so a subscriber that reads the
 * database on hearing an event finds it there.
 */
export interface EventBus {
  publish(binId: string, event: BinEvent): void;
  /** Returns the function that unsubscribes. */
  subscribe(binId: string, listener: BinEventListener): () => void;
}

export function createInProcessBus(): EventBus {
  const emitter = new EventEmitter();
  // One listener per open stream; thousands of dashboards on one bin are legitimate.
  emitter.setMaxListeners(0);
  return {
    publish(binId, event) {
      emitter.emit(binId, event);
    },
    subscribe(binId, listener) {
      emitter.on(binId, listener);
      return () => emitter.off(binId, listener);
    },
  };
}

// Next's bundles and the custom server load this module separately; they must share
// one bus or a deletion made through the API would never reach a stream.
const busKey = Symbol.for("hookyard.eventBus");
type WithBus = typeof globalThis & { [busKey]?: EventBus };

/** The process's bus: the one `installEventBus` set, else an in-process one (SQLite, tests). */
export function getEventBus(): EventBus {
  const holder = globalThis as WithBus;
  holder[busKey] ??= createInProcessBus();
  return holder[busKey];
}

/**
 * Makes `bus` the process's bus (the server does at start-up, before anything publishes:
 * with PostgreSQL, one that reaches every instance). Answers it.
 */
export function installEventBus(bus: EventBus): EventBus {
  (globalThis as WithBus)[busKey] = bus;
  return bus;
}
