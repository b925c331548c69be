// Load generation with autocannon (used as a library, in a child process).
import { fork } from "node:child_process";

const running = new Set();

/** A JSON document of exactly `bytes` bytes, the body the capture throughput is measured with. */
export function jsonBody(bytes = 1024) {
  const skeleton = JSON.stringify({ event: "bench.test", data: { padding: "" } });
  const body = JSON.stringify({ event: "bench.test", data: { padding: "x".repeat(bytes - skeleton.length) } });
  if (Buffer.byteLength(body) !== bytes) throw new Error("body size arithmetic is off");
  return body;
}

/**
 * POSTs `body` to `url` with `connections` connections for `duration` seconds, or
 * until `amount` requests are answered. Resolves with the summary; a run that does
 * not end by `limitMs` is killed and rejected, so no load can hang the benchmark.
 * `onStart` is called when autocannon is about to start in the child.
 */
export function runLoad({ url, body, connections, duration, amount, limitMs, onStart }) {
  const options = {
    url,
    method: "POST",
    body,
    headers: { "content-type": "application/json" },
    connections,
    timeout: 10,
    ...(amount ? { amount } : { duration }),
  };
  const hardLimit = limitMs ?? (amount ? 300_000 : (duration + 30) * 1000);
  return new Promise((resolve, reject) => {
    const child = fork(new URL("./load-process.mjs", import.meta.url), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    running.add(child);
    let settled = false;
    const finish = (fn, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      running.delete(child);
      fn(value);
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      finish(reject, new Error(`load against ${url} did not finish within ${hardLimit} ms`));
    }, hardLimit);
    child.on("message", (message) => {
      if (message.started) onStart?.();
      else finish(resolve, message);
    });
    child.once("error", (error) => finish(reject, error));
    child.once("exit", (code, signal) => finish(reject, new Error(`load process exited (code ${code}, signal ${signal}) before reporting`)));
    child.send(options);
  });
}

/** Kills every load still running (used on Ctrl-C and on failure). */
export function stopLoads() {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}
