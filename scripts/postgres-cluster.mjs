// A throwaway PostgreSQL cluster: initdb in a temp dir, started on a free loopback port,
// stopped and removed afterwards. The tests start one per run (e2e/support/postgres-global-setup.ts)
// and `npm run db:migrate -- --postgres` one per call. Plain JavaScript so that scripts run
// by Node 20 can use it as well as the TypeScript tests (types in postgres-cluster.d.mts).
//
// Never the distribution's default cluster (`main` on 5432): a run must not depend on, or
// write into, a database someone else may use.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { freePort } from "./free-port.mjs";

export const postgresInstallHint =
  "Install PostgreSQL (Debian/Ubuntu: `apt-get install -y postgresql`; only its binaries are used, " +
  "from /usr/lib/postgresql/<version>/bin, never its default cluster).";

const debianRoot = "/usr/lib/postgresql";
const watchdogScript = path.join(path.dirname(fileURLToPath(import.meta.url)), "postgres-watchdog.mjs");
const startTimeoutSeconds = 30;
const startAttempts = 3;

/** Debian's PostgreSQL binaries (`/usr/lib/postgresql/<major>/bin`, newest major first), or undefined. */
export function findPostgresBinDir() {
  if (!existsSync(debianRoot)) return undefined;
  const majors = readdirSync(debianRoot)
    .filter((name) => /^\d+$/.test(name) && existsSync(path.join(debianRoot, name, "bin", "pg_ctl")))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] === undefined ? undefined : path.join(debianRoot, majors[0], "bin");
}

/**
 * initdb, start, and create the product's role (`hookyard`, a random password, CREATEDB
 * so that Prisma's schema engine can make its shadow databases). Also starts a detached
 * watchdog that stops the cluster if this process dies without calling stopCluster
 * (SIGKILL). Throws when PostgreSQL is missing or does not start (the message quotes its log).
 */
export async function startCluster({ binDir = findPostgresBinDir() } = {}) {
  if (!binDir) throw new Error(`PostgreSQL not found under ${debianRoot}/*/bin. ${postgresInstallHint}`);
  const dir = mkdtempSync(path.join(tmpdir(), "hookyard-pg-"));
  const info = { binDir, dir, socketDir: dir, port: 0, host: "127.0.0.1", user: "hookyard", password: randomBytes(18).toString("hex"), watchdogPid: 0 };
  try {
    // PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user.
    const owner = process.getuid?.() === 0 ? postgresUser() : undefined;
    // mkdtemp made it 0700: private to whoever runs the cluster.
    if (owner) chownSync(dir, owner.uid, owner.gid);

    await runLogged(info, "initdb", [
      "-D",
      path.join(dir, "data"),
      "-U",
      "postgres",
      "-E",
      "UTF8",
      "--no-locale",
      "--auth-local=trust",
      "--auth-host=scram-sha-256",
      // Nothing here outlives the run, so nothing needs to reach the disk.
      "--no-sync",
    ]);

    // Before the start: a process killed during the start still leaves nothing behind.
    const watchdog = spawn(process.execPath, [watchdogScript, String(process.pid), binDir, dir], { detached: true, stdio: "ignore" });
    watchdog.unref();
    info.watchdogPid = watchdog.pid ?? 0;

    for (let attempt = 1; ; attempt++) {
      // A free port can be taken between the probe and the bind: try another one.
      info.port = await freePort();
      try {
        await runLogged(info, "pg_ctl", [
          "-D",
          path.join(dir, "data"),
          "-l",
          path.join(dir, "postgres.log"),
          "-w",
          "-t",
          String(startTimeoutSeconds),
          "-o",
          [
            `-c port=${info.port}`,
            "-c listen_addresses=127.0.0.1",
            `-c unix_socket_directories=${dir}`,
            // A test cluster dies with its run: durability settings only cost time here.
            "-c fsync=off",
            "-c synchronous_commit=off",
            "-c full_page_writes=off",
          ].join(" "),
          "start",
        ]);
        break;
      } catch (error) {
        if (attempt >= startAttempts || !readLog(dir, "postgres.log").includes("could not bind")) throw error;
      }
    }

    await withAdmin(info, (client) => client.query(`CREATE ROLE "${info.user}" LOGIN CREATEDB PASSWORD '${info.password}'`));
    return info;
  } catch (error) {
    stopCluster(info);
    throw error;
  }
}

/**
 * Stops the server (`fast`: sessions are ended, as an administrator's restart or a managed
 * database's failover does) and starts it again on the same port with the same settings
 * (pg_ctl keeps them in postmaster.opts). Resolves once it accepts connections again.
 */
export async function restartCluster(info, { mode = "fast" } = {}) {
  await runLogged(info, "pg_ctl", [
    "-D",
    path.join(info.dir, "data"),
    "-l",
    path.join(info.dir, "postgres.log"),
    "-m",
    mode,
    "-w",
    "-t",
    String(startTimeoutSeconds),
    "restart",
  ]);
}

/** `pg_ctl -m immediate stop`, then removes the cluster's dir and ends its watchdog. Never throws. */
export function stopCluster(info) {
  if (existsSync(path.join(info.dir, "data", "postmaster.pid"))) {
    const [command, args] = asClusterOwner(path.join(info.binDir, "pg_ctl"), ["-D", path.join(info.dir, "data"), "-m", "immediate", "-w", "stop"]);
    spawnSync(command, args, { stdio: "ignore", timeout: 30_000 });
  }
  rmSync(info.dir, { recursive: true, force: true });
  if (info.watchdogPid > 0) {
    try {
      process.kill(info.watchdogPid, "SIGTERM");
    } catch (error) {
      // Already gone: it also ends by itself once the dir is removed.
      if (error?.code !== "ESRCH") throw error;
    }
  }
}

/**
 * A new, empty database owned by the product's role, named `name` plus a random suffix
 * (so files choosing the same name never share one). Answers its URL, as a user would
 * give it: `postgres://hookyard:<password>@127.0.0.1:<port>/<database>`.
 */
export async function createDatabase(info, name) {
  const database = `${name
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .slice(0, 40)}_${randomBytes(4).toString("hex")}`;
  await withAdmin(info, (client) => client.query(`CREATE DATABASE "${database}" OWNER "${info.user}"`));
  return `postgres://${info.user}:${info.password}@${info.host}:${info.port}/${database}`;
}

/** Runs `work` with a superuser connection over the cluster's unix socket (admin steps only). */
export async function withAdmin(info, work) {
  const client = new pg.Client({ host: info.socketDir, port: info.port, user: "postgres", database: "postgres" });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

// Output goes to a file, never to a pipe: the postmaster that pg_ctl forks inherits its
// stdout, so waiting for a pipe's end would wait for the server to stop.
function runLogged(info, program, args) {
  const logName = `${program}.log`;
  const logFile = path.join(info.dir, logName);
  const fd = openSync(logFile, "a", 0o600);
  const [command, commandArgs] = asClusterOwner(path.join(info.binDir, program), args);
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { stdio: ["ignore", fd, fd] });
    closeSync(fd);
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (code === 0) return resolve(undefined);
      const log = `${readLog(info.dir, logName)}${readLog(info.dir, "postgres.log")}`.trim().slice(-2_000);
      reject(new Error(`${program} failed (${code ?? signal}):\n${log}`));
    });
  });
}

function readLog(dir, name) {
  try {
    return readFileSync(path.join(dir, name), "utf8");
  } catch (error) {
    if (error?.code === "ENOENT" || error?.code === "EACCES") return "";
    throw error;
  }
}

export function asClusterOwner(command, args) {
  return process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
}

function postgresUser() {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith("postgres:"));
  const [, , uid, gid] = line?.split(":") ?? [];
  if (uid === undefined || gid === undefined) {
    throw new Error(`We run as root, and PostgreSQL refuses to, but there is no postgres user. ${postgresInstallHint}`);
  }
  return { uid: Number(uid), gid: Number(gid) };
}
