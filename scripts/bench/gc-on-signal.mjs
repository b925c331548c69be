// Preloaded into the Hookyard child by the benchmark only (node --expose-gc --import):
// SIGUSR2 runs a full garbage collection. Memory figures then compare live memory
// before and after, not whatever garbage V8 had not yet collected. It also writes
// process.memoryUsage() to BENCH_MEMORY_FILE, which tells memory JavaScript still holds
// (heap, buffers) from memory the allocator kept. Nothing else in the server changes.
import { writeFileSync } from "node:fs";
import v8 from "node:v8";

if (typeof globalThis.gc === "function") {
  process.on("SIGUSR2", () => {
    globalThis.gc();
    globalThis.gc(); // a second pass frees what the first pass's finalizers released
    if (process.env.BENCH_MEMORY_FILE)
      writeFileSync(
        process.env.BENCH_MEMORY_FILE,
        JSON.stringify({
          ...process.memoryUsage(),
          spaces: Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size])),
          mallocedMemory: v8.getHeapStatistics().malloced_memory,
        }),
      );
  });
}
