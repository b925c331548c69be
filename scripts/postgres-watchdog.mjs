// Detached companion of a test cluster (scripts/postgres-cluster.mjs): when the process
// that started the cluster is gone without stopping it (SIGKILL, an OOM kill), stops the
// cluster and removes its dir, since a leaked postmaster keeps its port and shared memory.
// Ends by itself as soon as the dir is gone (the normal stop removes it first).
// Usage: node postgres-watchdog.mjs <parent pid> <postgres bin dir> <cluster dir>
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { asClusterOwner } from "./postgres-cluster.mjs";

const [parentPid, binDir, dir] = process.argv.slice(2);
const pollMs = 500;

function parentAlive() {
  try {
    process.kill(Number(parentPid), 0);
    return true;
  } catch (error) {
    // EPERM: alive, but not ours to signal.
    return error?.code === "EPERM";
  }
}

function stopAndRemove() {
  if (existsSync(path.join(dir, "data", "postmaster.pid"))) {
    const [command, args] = asClusterOwner(path.join(binDir, "pg_ctl"), ["-D", path.join(dir, "data"), "-m", "immediate", "-w", "stop"]);
    spawnSync(command, args, { stdio: "ignore", timeout: 30_000 });
  }
  rmSync(dir, { recursive: true, force: true });
}

if (!parentPid || !binDir || !dir) process.exit(2);
process.on("SIGTERM", () => process.exit(0));
const timer = setInterval(() => {
  if (!existsSync(dir)) {
    clearInterval(timer);
    return;
  }
  if (!parentAlive()) {
    clearInterval(timer);
    stopAndRemove();
  }
}, pollMs);
