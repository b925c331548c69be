import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describeNetworkError, joinTargetUrl, wireHeaders } from "../lib/forward-message.mjs";
import { exitCodes } from "./args.mjs";
import { SseParser } from "./sse.mjs";

/**
 * The relay: follows a bin's live stream and sends each new capture to the target, one
 * at a time, in order, remembering the last one delivered so a reconnect or a restart
 * resumes exactly after it.
 *
 * @import { RelayOptions } from "./args.mjs"
 * @import { HeaderPair } from "../lib/types.ts"
 * @typedef {{ id: string; method: string; path: string; query: string; headers: HeaderPair[]; bodyBase64: string }} Capture
 * @typedef {{ kind: "answer"; status: number; durationMs: number } | { kind: "error"; error: string; durationMs: number }} Delivery
 * @typedef {{
 *   out: (line: string) => void;
 *   err: (line: string) => void;
 *   stop: AbortSignal;
 *   now?: () => Date;
 *   idleMs?: number;
 * }} RelayIo
 */

/** Ends the relay with an exit code and a message for stderr. */
export class RelayExit extends Error {
  /**
   * @param {number} code
   * @param {string} message
   */
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/** The connection to Hookyard broke mid-way: reconnect and resume from the last delivered id. */
class ConnectionLost extends Error {}

/** `after=0` / `Last-Event-ID: 0` asks the stream for the whole bin. */
const fromTheStart = "0";
const captureIdPattern = /^[0-9A-HJKMNP-TV-Z]{26}$/;
/** A capture's place in its bin (`seq`): what the stream's event ids are. */
const placePattern = /^(0|[1-9][0-9]{0,14})$/;

/**
 * Whether a capture at `place` comes after `cursor`. A cursor that is a capture id was
 * saved before event ids were places; the server resumes after that capture, so
 * whatever it sends first is new.
 * @param {string} place
 * @param {string} cursor
 */
function isAfter(place, cursor) {
  return !placePattern.test(cursor) || Number(place) > Number(cursor);
}
const maxBackoffMs = 30_000;

/**
 * Runs until stopped (resolves 0) or until it cannot go on (rejects with RelayExit).
 * @param {RelayOptions} options
 * @param {RelayIo} io
 * @returns {Promise<number>}
 */
export async function relay(options, io) {
  const api = `${options.server}/api/bins/${options.binId}`;
  await checkBin(options, api);
  let cursor = readState(options) ?? (options.fromStart ? fromTheStart : await newestCapturePlace(options, api));
  // Saved before anything is delivered: a restart after a kill resumes from here even
  // when nothing has been delivered yet, so captures arriving meanwhile are not lost.
  writeState(options, cursor);
  const startedFrom = cursor === fromTheStart ? "the start of the bin" : `capture ${cursor}`;
  io.err(`Relaying ${options.server}/b/${options.binId} to ${options.target}, after ${startedFrom}. State: ${options.stateFile}`);

  let failures = 0;
  while (!io.stop.aborted) {
    /** @type {string} */
    let reason;
    try {
      await follow(options, api, cursor, io, {
        onReady: () => {
          if (failures > 0) io.err(`Reconnected; resuming after ${cursor === fromTheStart ? "the start" : cursor}.`);
          failures = 0;
        },
        onDelivered: (id) => {
          cursor = id;
          writeState(options, id);
        },
      });
      reason = "the server ended the stream";
    } catch (error) {
      if (io.stop.aborted) break;
      if (error instanceof RelayExit) throw error;
      if (!(error instanceof ConnectionLost)) throw error;
      reason = error.message;
    }
    if (io.stop.aborted) break;
    failures += 1;
    const delayMs = backoffMs(failures);
    io.err(`Connection to ${options.server} lost (${reason}); reconnecting in ${(delayMs / 1000).toFixed(1)} s.`);
    try {
      await sleep(delayMs, undefined, { signal: io.stop });
    } catch {
      break; // stopped while waiting
    }
  }
  return exitCodes.ok;
}

/**
 * Exponential from 0.5 s up to 30 s, with ±20% jitter so many relays of a restarted
 * server do not reconnect in lockstep.
 * @param {number} failures consecutive failed attempts, from 1
 */
export function backoffMs(failures) {
  const base = Math.min(maxBackoffMs, 500 * 2 ** Math.min(failures - 1, 10));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/**
 * One connection to the stream: delivers every capture after `cursor` as it comes.
 * @param {RelayOptions} options
 * @param {string} api
 * @param {string} cursor
 * @param {RelayIo} io
 * @param {{ onReady: () => void; onDelivered: (id: string) => void }} hooks
 */
async function follow(options, api, cursor, io, hooks) {
  /** @type {Response} */
  let response;
  try {
    // The standard SSE resume header: the server first replays every capture after it.
    response = await fetch(`${api}/stream`, { headers: { accept: "text/event-stream", "last-event-id": cursor, ...authorization(options) }, signal: io.stop });
  } catch (error) {
    throw new ConnectionLost(networkWords(error, options.server));
  }
  if (response.status === 404) throw new RelayExit(exitCodes.runtime, `Bin ${options.binId} no longer exists on ${options.server}.`);
  if (response.status === 400) throw new RelayExit(exitCodes.runtime, `The server refused to resume after ${cursor}: ${await problem(response)}`);
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new ConnectionLost(`HTTP ${response.status}`);
  }

  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  let last = cursor;
  try {
    for (;;) {
      const chunk = await readWithin(reader, io.idleMs ?? 60_000, options.server, io.stop);
      if (chunk.done) return;
      for (const event of parser.push(decoder.decode(chunk.value, { stream: true }))) {
        if (event.event === "ready") hooks.onReady();
        else if (event.event === "bin-deleted") throw new RelayExit(exitCodes.runtime, `Bin ${options.binId} was deleted.`);
        else if (event.event === "request" && event.id && placePattern.test(event.id) && isAfter(event.id, last)) {
          const { id } = /** @type {{ id: string }} */ (JSON.parse(event.data));
          if (typeof id !== "string" || !captureIdPattern.test(id)) throw new ConnectionLost(`the stream sent a capture without an id (event ${event.id})`);
          const line = await deliver(options, api, id, io);
          last = event.id;
          hooks.onDelivered(event.id);
          // Printed once remembered: a line on screen means a restart will not send it again.
          io.out(line);
          // Stop between deliveries, never in the middle of one.
          if (io.stop.aborted) return;
        }
      }
    }
  } finally {
    // Cancelling a stream that already failed rejects again; the failure is already being handled.
    reader.cancel().catch(() => undefined);
  }
}

/**
 * The next chunk. ConnectionLost when the connection breaks, or when nothing (not even
 * the heartbeat) arrives in time: a connection can die silently, and the heartbeat is
 * how we notice. Being stopped rejects with the abort as it is.
 * @param {ReadableStreamDefaultReader<Uint8Array>} reader
 * @param {number} idleMs
 * @param {string} server
 * @param {AbortSignal} stop
 * @returns {Promise<ReadableStreamReadResult<Uint8Array>>}
 */
async function readWithin(reader, idleMs, server, stop) {
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const idle = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new ConnectionLost(`nothing received for ${Math.round(idleMs / 1000)} s`)), idleMs);
  });
  try {
    return /** @type {ReadableStreamReadResult<Uint8Array>} */ (await Promise.race([reader.read(), idle]));
  } catch (error) {
    if (error instanceof ConnectionLost || stop.aborted) throw error;
    throw new ConnectionLost(networkWords(error, server));
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Fetches capture `id` and sends it to the target; answers the line that says how it went.
 * @param {RelayOptions} options
 * @param {string} api
 * @param {string} id
 * @param {RelayIo} io
 * @returns {Promise<string>}
 */
async function deliver(options, api, id, io) {
  const capture = await fetchCapture(options, api, id);
  const time = clock((io.now ?? (() => new Date()))());
  if (!capture) return `${time}  ${id}  skipped: the capture was deleted before it could be relayed`;
  const shown = printable(`${capture.path || "/"}${capture.query ? `?${capture.query}` : ""}`);
  const url = new URL(options.appendPath ? joinTargetUrl(options.target, capture.path, capture.query) : options.target);
  const body = Buffer.from(capture.bodyBase64, "base64");
  const result = await send(url, capture.method, wireHeaders(url, capture.method, capture.headers, body.length), body, options.timeoutMs);
  const outcome = result.kind === "answer" ? `${result.status} ${http.STATUS_CODES[result.status] ?? ""}`.trimEnd() : `error: ${result.error}`;
  return `${time}  ${printable(capture.method)} ${shown}  ${outcome}  ${result.durationMs} ms`;
}

/**
 * The capture as the API gives it (its JSON carries the exact body bytes as base64),
 * or null when it was deleted meanwhile.
 * @param {RelayOptions} options
 * @param {string} api
 * @param {string} id
 * @returns {Promise<Capture | null>}
 */
async function fetchCapture(options, api, id) {
  /** @type {Response} */
  let response;
  try {
    response = await fetch(`${api}/requests/${id}`, { headers: authorization(options), signal: AbortSignal.timeout(options.timeoutMs) });
  } catch (error) {
    throw new ConnectionLost(networkWords(error, options.server));
  }
  if (response.status === 404) {
    await response.body?.cancel();
    return null;
  }
  if (!response.ok) throw new ConnectionLost(`fetching capture ${id}: HTTP ${response.status} ${await problem(response)}`);
  try {
    return /** @type {Capture} */ (await response.json());
  } catch (error) {
    throw new ConnectionLost(`fetching capture ${id}: ${networkWords(error, options.server)}`);
  }
}

/**
 * One HTTP/1.1 exchange sending `headers` exactly (order, case, duplicates; Host is
 * among them) and the body as it is. Never throws: failures come back in words.
 * @param {URL} url
 * @param {string} method
 * @param {HeaderPair[]} headers
 * @param {Buffer} body
 * @param {number} timeoutMs
 * @returns {Promise<Delivery>}
 */
export function send(url, method, headers, body, timeoutMs) {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const transport = url.protocol === "https:" ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    /** @param {Delivery} result */
    const finish = (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    /** @param {unknown} error */
    const fail = (error) => finish({ kind: "error", error: describeNetworkError(error, { host: url.host, timeoutMs }), durationMs: elapsed() });
    const req = transport.request(
      {
        hostname: url.hostname.replace(/^\[|\]$/g, ""),
        port: url.port || (url.protocol === "https:" ? 443 : 80),
        method,
        path: `${url.pathname}${url.search}`,
        headers: headers.flat(),
        setHost: false,
        agent: false,
      },
      (res) => {
        // The answer's body is not shown; read it to the end so the status is final.
        res.resume();
        res.on("end", () => finish({ kind: "answer", status: res.statusCode ?? 0, durationMs: elapsed() }));
        res.on("error", fail);
        res.on("aborted", () => fail(Object.assign(new Error("aborted"), { code: "ECONNRESET" })));
      },
    );
    const timer = setTimeout(() => {
      const error = Object.assign(new Error("timeout"), { code: "FORWARD_TIMEOUT" });
      fail(error);
      req.destroy(error);
    }, timeoutMs);
    req.on("error", fail);
    req.end(body);
  });
}

/**
 * Fails fast with a clear message when the server cannot be reached or has no such bin.
 * @param {RelayOptions} options
 * @param {string} api
 */
async function checkBin(options, api) {
  const response = await apiGet(options, api);
  if (response.status === 404) {
    throw new RelayExit(exitCodes.runtime, `No bin ${options.binId} on ${options.server} (404): check the URL and --token, or the bin was deleted.`);
  }
  if (!response.ok)
    throw new RelayExit(exitCodes.runtime, `${options.server} answered HTTP ${response.status} for bin ${options.binId}: ${await problem(response)}`);
  await response.body?.cancel();
}

/**
 * The newest capture's place, or "0" for an empty bin: starting "from now" means after it.
 * @param {RelayOptions} options
 * @param {string} api
 */
async function newestCapturePlace(options, api) {
  const response = await apiGet(options, `${api}/requests?limit=1`);
  if (!response.ok) throw new RelayExit(exitCodes.runtime, `${options.server} answered HTTP ${response.status} listing the bin: ${await problem(response)}`);
  const page = /** @type {{ requests: { seq: number }[] }} */ (await response.json());
  const newest = page.requests[0]?.seq;
  return newest === undefined ? fromTheStart : String(newest);
}

/**
 * @param {RelayOptions} options
 * @param {string} url
 */
async function apiGet(options, url) {
  try {
    return await fetch(url, { headers: authorization(options), signal: AbortSignal.timeout(options.timeoutMs) });
  } catch (error) {
    throw new RelayExit(exitCodes.runtime, `Cannot reach ${options.server}: ${networkWords(error, options.server)}.`);
  }
}

/**
 * fetch wraps the socket error in `cause`; the words come from the shared describer.
 * @param {unknown} error
 * @param {string} server
 */
function networkWords(error, server) {
  const cause = error instanceof Error && error.cause ? error.cause : error;
  if (error instanceof Error && error.name === "TimeoutError") return `no answer within the timeout`;
  return describeNetworkError(cause, { host: new URL(server).host, timeoutMs: 0 });
}

/**
 * The `{ error, message }` of an API error, or its status text.
 * @param {Response} response
 */
async function problem(response) {
  const text = await response.text().catch(() => "");
  try {
    const parsed = JSON.parse(text);
    if (parsed && typeof parsed.message === "string") return parsed.message;
  } catch {
    // not JSON (a proxy's page): fall back to the status text
  }
  return response.statusText || `HTTP ${response.status}`;
}

/**
 * @param {RelayOptions} options
 * @returns {string | null} the last delivered capture's place (or, saved by an older relay, its id), "0" for "before the first", null without a state file
 * @throws RelayExit when the file exists but cannot be used
 */
export function readState(options) {
  /** @type {string} */
  let text;
  try {
    text = readFileSync(options.stateFile, "utf8");
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return null;
    throw new RelayExit(exitCodes.runtime, `Cannot read the state file ${options.stateFile}: ${error instanceof Error ? error.message : String(error)}`);
  }
  /** @type {unknown} */
  let state;
  try {
    state = JSON.parse(text);
  } catch {
    state = null;
  }
  const record = /** @type {{ server?: unknown; binId?: unknown; lastId?: unknown } | null} */ (typeof state === "object" ? state : null);
  const lastId = record?.lastId;
  // A capture id is the state an older relay saved; the server still resumes after it.
  if (typeof lastId !== "string" || (!placePattern.test(lastId) && !captureIdPattern.test(lastId))) {
    throw new RelayExit(exitCodes.runtime, `The state file ${options.stateFile} is not a relay state: delete it, or give another with --state.`);
  }
  if (record?.server !== options.server || record?.binId !== options.binId) {
    throw new RelayExit(
      exitCodes.runtime,
      `The state file ${options.stateFile} belongs to bin ${String(record?.binId)} on ${String(record?.server)}: give another with --state.`,
    );
  }
  return lastId;
}

/**
 * Written to a temporary file and renamed over the old one, so a kill mid-write leaves
 * the previous state rather than a torn file.
 * @param {RelayOptions} options
 * @param {string} lastId
 */
export function writeState(options, lastId) {
  const state = { server: options.server, binId: options.binId, target: options.target, lastId, savedAt: new Date().toISOString() };
  try {
    mkdirSync(path.dirname(options.stateFile), { recursive: true });
    const temporary = `${options.stateFile}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
    renameSync(temporary, options.stateFile);
  } catch (error) {
    throw new RelayExit(exitCodes.runtime, `Cannot write the state file ${options.stateFile}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** @param {Date} date local wall-clock time, HH:MM:SS */
function clock(date) {
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((part) => String(part).padStart(2, "0")).join(":");
}

/**
 * Captured content is hostile: control characters would drive the terminal, so they
 * are shown escaped.
 * @param {string} text
 */
export function printable(text) {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/**
 * The bin's token, sent to Hookyard's API only (never to the target).
 * @param {RelayOptions} options
 */
function authorization(options) {
  return { authorization: `Bearer ${options.token}` };
}
