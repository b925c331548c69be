// Child processes of the benchmark (Hookyard, the bare baseline) and their memory.
// Every child is registered so that `stopAll` can end it on success, failure, Ctrl-C
// or the global time limit; nothing outlives the run.
import { spawn } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { sleep } from "./stats.mjs";
import { freePort } from "../free-port.mjs";

const children = new Set();

/**
 * Starts `node <args>` with its output appended to `logFile`, and resolves once a
 * line matches `readyPattern` (whose first group is the base URL). Rejects if the
 * child exits first or is not ready within `timeoutMs`.
 */
export function startChild({ name, args, env, logFile, readyPattern, timeoutMs = 60_000 }) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const entry = { name, child, exited: null, stderrLines: [] };
  children.add(entry);
  const log = createWriteStream(logFile, { flags: "a" });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  // Keep stderr lines so the report can show warnings and errors the server logged.
  child.stderr.on("data", (chunk) => {
    for (const line of String(chunk).split("\n")) if (line.trim() && entry.stderrLines.length < 200) entry.stderrLines.push(line);
  });
  child.on("exit", (code, signal) => {
    entry.exited = { code, signal };
    children.delete(entry);
  });

  return new Promise((resolve, reject) => {
    let buffered = "";
    const timer = setTimeout(() => fail(new Error(`${name} was not ready within ${timeoutMs} ms (log: ${logFile})`)), timeoutMs);
    const onData = (chunk) => {
      buffered += chunk;
      const match = readyPattern.exec(buffered);
      if (!match) return;
      clearTimeout(timer);
      child.stdout.off("data", onData);
      child.off("exit", onExit);
      resolve({ ...entry, pid: child.pid, url: match[1], entry });
    };
    const onExit = (code, signal) => fail(new Error(`${name} exited before it was ready (code ${code}, signal ${signal}; log: ${logFile})`));
    function fail(error) {
      clearTimeout(timer);
      child.stdout.off("data", onData);
      child.off("exit", onExit);
      child.kill("SIGKILL");
      reject(error);
    }
    child.stdout.on("data", onData);
    child.on("exit", onExit);
  });
}

/** Throws if the child has died: a crash must fail the phase, not skew its numbers. */
export function assertAlive(started) {
  if (started.entry.exited) {
    const { code, signal } = started.entry.exited;
    throw new Error(`${started.name} died (code ${code}, signal ${signal}); see its log`);
  }
}

/** Stops one child: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
export async function stopChild(started, graceMs = 5_000) {
  const { child } = started.entry;
  if (started.entry.exited) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Asks every child to stop (SIGTERM), then SIGKILLs whatever is left after `graceMs`. */
export async function stopAll(graceMs = 3_000) {
  const running = [...children];
  for (const { child } of running) child.kill("SIGTERM");
  const deadline = Date.now() + graceMs;
  while (children.size > 0 && Date.now() < deadline) await sleep(50);
  for (const { child } of children) child.kill("SIGKILL");
}

/** Synchronous last resort from an 'exit' handler, where nothing can be awaited. */
export function killAllNow() {
  for (const { child } of children) child.kill("SIGKILL");
}

/** Resident set size of a process in bytes, from /proc/<pid>/status (VmRSS, in kB). */
export function readRss(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/**
 * RSS once the process has settled: the median of a few samples after a pause. With
 * `gc` (only for a child started with gc-on-signal.mjs: SIGUSR2 would otherwise kill
 * it), a full collection runs first so garbage does not count as memory in use.
 */
export async function settledRss(pid, { settleMs = 1_000, samples = 5, gc = false } = {}) {
  await sleep(settleMs);
  if (gc) {
    process.kill(pid, "SIGUSR2");
    await sleep(300);
  }
  const values = [];
  for (let i = 0; i < samples; i += 1) {
    values.push(readRss(pid));
    await sleep(100);
  }
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)];
}

/**
 * The lowest of several settled readings a second apart. V8 hands heap it kept from
 * earlier work back to the system when its memory reducer gets to it, not at our GC,
 * so a single reading could sit 15-19 MiB above the next one taken with more streams
 * open (measured: a per-stream figure of -15 KiB). The lowest reading is the process
 * after whatever release was due.
 */
export async function lowestSettledRss(pid, readings = 4) {
  let lowest = Infinity;
  for (let i = 0; i < readings; i += 1) lowest = Math.min(lowest, await settledRss(pid, { gc: true }));
  return lowest;
}

/**
 * Samples RSS every `intervalMs` until `stop()` is called; returns the peak and the
 * sample count. A timer rather than a busy loop, so the sampler barely competes with
 * the server for the two cores.
 */
export function sampleRss(pid, intervalMs = 5) {
  let peak = readRss(pid);
  let samples = 1;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, readRss(pid));
      samples += 1;
    } catch {
      // The process is gone: the phase will notice through assertAlive.
    }
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return { peak, samples };
    },
  };
}

export { freePort };
