import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../scripts/free-port.mjs";

/**
 * Starts the real production server (`node dist/server.mjs`) on a free port with a
 * fresh SQLite file in its own temp dir, so a test file talks to exactly what users
 * run: the custom listener, Next's route handlers, migrations and the real database.
 */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const serverEntry = path.join(repoRoot, "dist", "server.mjs");
/** Preloaded into every test server: a hermetic resolver and a block on any non-loopback connection. */
const networkGuard = path.join(repoRoot, "e2e", "support", "network-guard.mjs");

const startTimeoutMs = 30_000;
const stopTimeoutMs = 15_000;

export type StartOptions = {
  /** Extra environment for this server, e.g. `{ MAX_BODY_BYTES: "1024", SSE_HEARTBEAT_MS: "200" }`. */
  env?: Record<string, string>;
  /**
   * Names the server's resolver answers with these addresses (a list of lists is
   * answered in turn, the last repeating), through network-guard.mjs. The server never
   * connects outside loopback whatever the table says: such a connection is blocked
   * and logged as `[network-guard] BLOCKED connect to …`.
   */
  dns?: Record<string, string[] | string[][]>;
};

export type TestServer = {
  /** `http://127.0.0.1:{port}`, stable across restarts. */
  readonly baseUrl: string;
  readonly port: number;
  /** Absolute path of this server's SQLite file. */
  readonly databaseFile: string;
  /** The running server process's id (for /proc/<pid>/fd and /proc/<pid>/status), or null when stopped. */
  pid(): number | null;
  /** Everything the process printed so far (all runs), for diagnostics and assertions. */
  output(): string;
  /** SIGTERM and wait for the process to exit; resolves with its exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL (a crash) and wait for the process to be gone. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and database file (stops it first if running). */
  restart(options?: StartOptions): Promise<void>;
  /** Stops the server if running and deletes its temp dir. */
  dispose(): Promise<void>;
};

let buildChecked = false;

/** Rebuilds dist/ when sources changed since the last build, as `npm test` does. */
async function ensureFreshBuild(): Promise<void> {
  if (buildChecked) return;
  const helper = path.join(repoRoot, "scripts", "build-if-needed.mjs");
  const { ensureBuilt } = (await import(helper)) as { ensureBuilt: () => void };
  const cwd = process.cwd();
  process.chdir(repoRoot);
  try {
    ensureBuilt();
  } finally {
    process.chdir(cwd);
  }
  if (!existsSync(serverEntry)) throw new Error(`${serverEntry} is missing: run \`npm run build\` first.`);
  buildChecked = true;
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server (pid ${child.pid}) did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

async function waitForHealth(baseUrl: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server exited (${child.exitCode ?? child.signalCode}) before it was healthy:\n${output()}`);
    }
    try {
      const response = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill("SIGKILL");
  throw new Error(`server at ${baseUrl} was not healthy within ${startTimeoutMs} ms:\n${output()}`);
}

export async function startTestServer(options: StartOptions = {}): Promise<TestServer> {
  await ensureFreshBuild();
  const dataDir = mkdtempSync(path.join(tmpdir(), "hookyard-it-"));
  const databaseFile = path.join(dataDir, "hookyard.db");
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  let log = "";
  let child: ChildProcess | null = null;
  let lastOptions = options;

  const launch = async (launchOptions: StartOptions) => {
    const started = spawn(process.execPath, ["--import", networkGuard, serverEntry], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TMPDIR: process.env.TMPDIR,
        NODE_ENV: "production",
        NEXT_TELEMETRY_DISABLED: "1",
        HOST: "127.0.0.1",
        PORT: String(port),
        DATABASE_URL: `file:${databaseFile}`,
        // Load tests drive thousands of captures into one bin: the retention and rate
        // limits are off unless a test sets them (e2e/api/limits.test.ts and
        // storage-bounds.test.ts do).
        RATE_LIMIT_PER_SECOND: "0",
        BINS_PER_IP_PER_HOUR: "0",
        MAX_CAPTURES_PER_BIN: "100000000",
        MAX_BIN_BYTES: "0",
        CAPTURE_TTL: "0",
        BIN_IDLE_TTL: "0",
        ...launchOptions.env,
        ...(launchOptions.dns ? { HOOKYARD_TEST_DNS: JSON.stringify(launchOptions.dns) } : {}),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    started.stdout?.on("data", (chunk: Buffer) => (log += chunk.toString()));
    started.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString()));
    child = started;
    await waitForHealth(baseUrl, started, () => log);
  };

  const stop = async () => {
    const running = child;
    if (!running) return null;
    child = null;
    running.kill("SIGTERM");
    return waitForExit(running, stopTimeoutMs);
  };

  const kill = async () => {
    const running = child;
    if (!running) return;
    child = null;
    running.kill("SIGKILL");
    await waitForExit(running, stopTimeoutMs);
  };

  try {
    await launch(options);
  } catch (error) {
    await kill().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }

  return {
    baseUrl,
    port,
    databaseFile,
    pid: () => child?.pid ?? null,
    output: () => log,
    stop,
    kill,
    async restart(restartOptions) {
      await stop();
      lastOptions = restartOptions ?? lastOptions;
      await launch(lastOptions);
    },
    async dispose() {
      await stop().catch(() => kill());
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export { freePort };
