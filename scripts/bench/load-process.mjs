// Runs one autocannon load in a child process and sends back a compact summary over IPC.
// A process of its own keeps the load generator off the benchmark's event loop, which
// must stay free to time SSE events and sample RSS precisely. (Not a worker thread:
// autocannon only aggregates its results on the main thread of a process.)
import autocannon from "autocannon";

process.once("message", async (options) => {
  // Tells the parent when the load really begins (process start-up takes a while).
  process.send({ started: true });
  const result = await autocannon(options);
  process.send(
    {
      requestsPerSecond: result.requests.average,
      total: result.requests.total,
      ok2xx: result["2xx"],
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      statusCodes: result.statusCodeStats,
      latencyP50: result.latency.p50,
      latencyP99: result.latency.p99,
      latencyMax: result.latency.max,
      durationSeconds: result.duration,
    },
    () => process.exit(0),
  );
});
// Never outlive the benchmark: if it goes away, so do we.
process.once("disconnect", () => process.exit(0));
