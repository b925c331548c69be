import v8 from "node:v8";
import vm from "node:vm";

/**
 * Frees the buffers of large request bodies soon after they are done with.
 *
 * Why: Node's HTTP parser hands each ~64 KiB of a body to JavaScript as a fresh buffer,
 * and V8 frees such buffers only at a garbage collection. When little else is allocated
 * (one large upload at a time) it lets about 64 MiB of them pile up before collecting:
 * measured, RSS climbed by one body per capture over the first four 10 MiB captures.
 * A scavenge (about 1 ms) once every few MiB of large bodies keeps that to one body or
 * so. Small bodies never come here: the hot path is unchanged.
 */
const collectEveryBytes = 8 * 1024 * 1024;

type Collector = { releasedBytes: number; scheduled: boolean; gc: ((options: { type: "minor" }) => void) | null };

const collectorKey = Symbol.for("hookyard.bodyGarbage");
type WithCollector = typeof globalThis & { [collectorKey]?: Collector };

function collector(): Collector {
  const holder = globalThis as WithCollector;
  holder[collectorKey] ??= { releasedBytes: 0, scheduled: false, gc: exposedGc() };
  return holder[collectorKey];
}

/**
 * V8's own `gc`: the global one when Node was started with --expose-gc (the benchmark
 * does), else one from a fresh context after turning the flag on, the documented way
 * to reach it in a running process.
 */
function exposedGc(): Collector["gc"] {
  const global = (globalThis as { gc?: unknown }).gc;
  if (typeof global === "function") return global as Collector["gc"];
  v8.setFlagsFromString("--expose-gc");
  const fromContext: unknown = vm.runInNewContext("typeof gc === 'function' ? gc : null");
  return typeof fromContext === "function" ? (fromContext as Collector["gc"]) : null;
}

/**
 * Counts `bytes` of a large body the caller no longer holds; past the threshold a
 * scavenge runs on the next turn of the event loop, once the caller's frames (which
 * still reference the body) are gone.
 */
export function collectBodyGarbageSoon(bytes: number): void {
  const state = collector();
  state.releasedBytes += bytes;
  if (state.releasedBytes < collectEveryBytes || state.scheduled || !state.gc) return;
  state.scheduled = true;
  setImmediate(() => {
    state.scheduled = false;
    state.releasedBytes = 0;
    state.gc?.({ type: "minor" });
  });
}
