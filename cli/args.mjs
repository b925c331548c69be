import { createHash } from "node:crypto";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

/**
 * The relay CLI's command line: what it accepts, and what it means. Pure (no network,
 * no files), so every rule here is unit-tested.
 */

/** Exit codes scripts can rely on. */
export const exitCodes = Object.freeze({ ok: 0, runtime: 1, usage: 2 });

export const usage = `Usage: hookyard forward <bin URL> --to <target URL> --token <token> [options]

Relays every new capture of a Hookyard bin to a target, typically your app on
localhost, exactly as the one-click forward sends it: the captured method, the
captured sub-path and query appended to the target, the headers minus hop-by-hop
ones, and the body bytes as they arrived. One line per delivery on stdout:
time, method, path, the target's status (or the error in words), milliseconds.

  <bin URL>            the capture URL (https://host/b/{binId}) or the dashboard
                       URL (https://host/bins/{binId})

Options:
  -t, --to <URL>       where to send captures (http or https), e.g.
                       http://localhost:3000/webhooks
      --token <token>  the bin's owner token (from POST /api/bins, or an owner
                       link made under Access on the bin's page); or set
                       HOOKYARD_TOKEN. The capture URL alone opens nothing
      --no-path        do not append the captured sub-path and query to the target
      --from-start     with no state file yet, first deliver every capture
                       already in the bin
      --state <file>   where the last delivered capture id is kept (default: a file
                       under your cache directory, one per bin and target); a restart
                       resumes from it, so nothing is delivered twice or lost
      --timeout <ms>   how long to wait for the target's answer (default 30000)
  -h, --help           show this help
  -v, --version        print the version

Without --from-start and without a state file it starts from now: only captures
arriving after it started are delivered. Deliveries are made one at a time, in
order. A target that answers (any status) or fails (refused, timeout...) counts
as delivered: the line says what happened and the relay goes on.
If the connection to Hookyard drops, it reconnects (with backoff) and delivers
what it missed. Delivery lines go to stdout, connection news to stderr.

Exit codes:
  0  stopped with Ctrl-C (SIGINT) or SIGTERM, after the delivery in flight
     (a second Ctrl-C quits at once with 130)
  1  runtime error: unknown bin, bin deleted, server unreachable at start,
     unreadable state file
  2  usage error: bad arguments or URL
`;

/** A usage mistake: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {}

/**
 * @typedef {{ kind: "help" } | { kind: "version" } | { kind: "forward"; options: RelayOptions }} Command
 * @typedef {{
 *   server: string;
 *   binId: string;
 *   target: string;
 *   appendPath: boolean;
 *   fromStart: boolean;
 *   stateFile: string;
 *   timeoutMs: number;
 *   token: string;
 * }} RelayOptions
 * @typedef {{ env?: Record<string, string | undefined>; platform?: NodeJS.Platform; home?: string }} StateContext
 *   where the default state file goes (the process's own when not given)
 */

/** Bin ids are 22 base64url characters (lib/server/bins/ids.ts). */
const binIdPattern = /^[A-Za-z0-9_-]{22}$/;

/**
 * Reads the command line (without `node` and the script).
 * @param {string[]} argv
 * @param {StateContext} [context] where the default state file goes
 * @returns {Command}
 * @throws UsageError for anything a user must fix in the command
 */
export function parseCommand(argv, context = {}) {
  const { values, positionals } = (() => {
    try {
      return parseArgs({ args: argv, options: optionSpec, allowPositionals: true, strict: true });
    } catch (error) {
      // parseArgs explains unknown options and missing values well; keep its words.
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
  })();
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  const [command, binUrl, ...extra] = positionals;
  if (command === undefined) throw new UsageError("No command given: try `hookyard forward <bin URL> --to <target URL>`.");
  if (command !== "forward") throw new UsageError(`Unknown command "${command}": the one command is \`forward\`.`);
  if (binUrl === undefined) throw new UsageError("No bin URL given: `hookyard forward <bin URL> --to <target URL>`.");
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}": give one bin URL.`);
  if (values.to === undefined) throw new UsageError("No target given: add --to <target URL>, e.g. --to http://localhost:3000/webhooks.");

  const { server, binId } = parseBinUrl(binUrl);
  const target = parseTargetUrl(values.to);
  const timeoutMs = values.timeout === undefined ? 30_000 : Number(values.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new UsageError(`--timeout must be a whole number of milliseconds, got "${values.timeout}".`);
  const token = values.token ?? (context.env ?? process.env).HOOKYARD_TOKEN;
  if (!token) throw new UsageError("No token given: add --token <token> (or set HOOKYARD_TOKEN); the bin's page makes one under Access.");
  return {
    kind: "forward",
    options: {
      server,
      binId,
      target,
      appendPath: !values["no-path"],
      fromStart: values["from-start"] ?? false,
      stateFile: values.state ?? defaultStateFile(server, binId, target, context),
      timeoutMs,
      token,
    },
  };
}

const optionSpec = /** @type {const} */ ({
  to: { type: "string", short: "t" },
  // util.parseArgs on Node 20 has no negated options, so --no-path is its own flag.
  "no-path": { type: "boolean" },
  "from-start": { type: "boolean" },
  state: { type: "string" },
  token: { type: "string" },
  timeout: { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
});

/**
 * Where a bin lives: the capture URL `…/b/{binId}[/sub/path]` or the dashboard URL
 * `…/bins/{binId}`. Anything before `/b/` or `/bins/` is kept, so a Hookyard served
 * under a path prefix works too.
 * @param {string} input
 * @returns {{ server: string; binId: string }} `server` without a trailing slash
 * @throws UsageError when it is not such a URL
 */
export function parseBinUrl(input) {
  /** @type {URL} */
  let url;
  try {
    url = new URL(input);
  } catch {
    throw new UsageError(`"${input}" is not a URL: give the bin's URL, e.g. https://hookyard.example/b/{binId}.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`The bin URL must start with http:// or https://, got "${url.protocol}".`);
  }
  const match = /^(.*?)\/(?:b|bins)\/([^/]+)(?:\/.*)?$/.exec(url.pathname);
  if (!match) {
    throw new UsageError(`"${input}" is not a bin URL: expected …/b/{binId} (the capture URL) or …/bins/{binId} (the dashboard).`);
  }
  const binId = match[2] ?? "";
  if (!binIdPattern.test(binId)) {
    throw new UsageError(`"${binId}" is not a bin id: bin ids are 22 letters, digits, "-" or "_".`);
  }
  return { server: `${url.origin}${match[1] ?? ""}`, binId };
}

/**
 * @param {string} input
 * @returns {string} the target as given
 * @throws UsageError unless it is an absolute http(s) URL
 */
export function parseTargetUrl(input) {
  /** @type {URL} */
  let url;
  try {
    url = new URL(input);
  } catch {
    throw new UsageError(`--to "${input}" is not a URL: give an absolute one, e.g. http://localhost:3000/webhooks.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--to must be an http:// or https:// URL, got "${url.protocol}".`);
  }
  return input;
}

/**
 * One state file per server, bin and target, in the user's cache directory, so two
 * relays of the same bin to different targets keep their own place.
 * @param {string} server
 * @param {string} binId
 * @param {string} target
 * @param {StateContext} context
 * @returns {string}
 */
export function defaultStateFile(server, binId, target, context = {}) {
  const env = context.env ?? process.env;
  const platform = context.platform ?? process.platform;
  const home = context.home ?? homedir();
  const key = createHash("sha256").update(`${server}\n${binId}\n${target}`).digest("hex").slice(0, 16);
  return path.join(cacheDir(env, platform, home), "hookyard", `relay-${binId}-${key}.json`);
}

/**
 * @param {Record<string, string | undefined>} env
 * @param {NodeJS.Platform} platform
 * @param {string} home
 */
function cacheDir(env, platform, home) {
  if (env.XDG_CACHE_HOME) return env.XDG_CACHE_HOME;
  if (platform === "win32") return env.LOCALAPPDATA ?? tmpdir();
  if (platform === "darwin" && home) return path.join(home, "Library", "Caches");
  return home ? path.join(home, ".cache") : tmpdir();
}
