import http from "node:http";
import net from "node:net";
import Database from "better-sqlite3";
import type { RequestDetail, RequestPage } from "../../lib/types.ts";

/** Shared builders for the integration tests: every request goes to the real server. */

export type CreatedBin = { id: string; url: string; token: string; createdAt: string };

/**
 * Owner tokens of the bins these tests made or declared, by bin id. The helpers below
 * send a bin's token with every request to its API (`/api/bins/{id}/...`) that carries
 * no Authorization of its own, so tests read like an owner's client; a test of what
 * happens without a token sends one of its own (or none) with `fetch` or `request`.
 */
const ownerTokens = new Map<string, string>();

/** Declared bins (HOOKYARD_BINS) get their token from configuration: tell the helpers. */
export function rememberToken(binId: string, token: string): void {
  ownerTokens.set(binId, token);
}

export function tokenOf(binId: string): string {
  const token = ownerTokens.get(binId);
  if (!token) throw new Error(`no token known for bin ${binId}`);
  return token;
}

/** `Authorization` for the owner of the bin `path` belongs to, when the caller set none. */
export function withOwnerToken<Headers extends Record<string, unknown>>(path: string, headers: Headers | undefined): Headers | Record<string, string> {
  const binId = /^\/api\/bins\/([A-Za-z0-9_-]{22})(?:[/?]|$)/.exec(path)?.[1];
  const token = binId ? ownerTokens.get(binId) : undefined;
  const given = headers ?? {};
  if (!token || Object.keys(given).some((name) => name.toLowerCase() === "authorization")) return given;
  return { ...given, Authorization: `Bearer ${token}` };
}

export type RawResponse = {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
};

export type RequestOptions = {
  method?: string;
  /** Request target exactly as it goes on the wire (percent-encoding and query kept). */
  path: string;
  headers?: http.OutgoingHttpHeaders | readonly string[];
  body?: string | Buffer | Uint8Array;
  timeoutMs?: number;
};

/** One HTTP exchange through node:http, so any method Node speaks (PROPFIND, QUERY...) works. */
export function request(baseUrl: string, options: RequestOptions): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        hostname,
        port,
        method: options.method ?? "GET",
        path: options.path,
        headers: Array.isArray(options.headers)
          ? options.headers
          : (withOwnerToken(options.path, options.headers as Record<string, unknown> | undefined) as http.OutgoingHttpHeaders),
        agent: false,
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          let json: unknown;
          try {
            json = body.length ? JSON.parse(body.toString("utf8")) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${options.method ?? "GET"} ${options.path} timed out`)));
    req.on("error", reject);
    req.end(options.body);
  });
}

export type CaptureOptions = {
  method?: string;
  /** Sub-path after /b/{binId}, e.g. "/hooks/github" or "" for the bare bin URL. */
  path?: string;
  /** Raw query string without "?", sent exactly as given. */
  query?: string;
  headers?: http.OutgoingHttpHeaders;
  body?: string | Buffer | Uint8Array;
};

export type CaptureResult = RawResponse & { id: string | undefined };

/** Sends one request to the bin's capture URL. */
export async function capture(baseUrl: string, binId: string, options: CaptureOptions = {}): Promise<CaptureResult> {
  const target = `/b/${binId}${options.path ?? ""}${options.query !== undefined ? `?${options.query}` : ""}`;
  // node:http sends no framing for a DELETE/OPTIONS/TRACE body unless told its length.
  const framing =
    options.body !== undefined && !hasHeader(options.headers, "transfer-encoding") ? { "Content-Length": String(Buffer.byteLength(options.body)) } : {};
  const response = await request(baseUrl, {
    method: options.method ?? "POST",
    path: target,
    headers: { ...framing, ...options.headers },
    body: options.body,
  });
  const id = response.headers["x-request-id"];
  return { ...response, id: typeof id === "string" ? id : undefined };
}

function hasHeader(headers: http.OutgoingHttpHeaders | undefined, name: string): boolean {
  return Object.keys(headers ?? {}).some((key) => key.toLowerCase() === name);
}

/** Captures and insists on success; returns the capture id. */
export async function captureOk(baseUrl: string, binId: string, options: CaptureOptions = {}): Promise<string> {
  const response = await capture(baseUrl, binId, options);
  if (response.status !== 200 || !response.id) {
    throw new Error(`capture failed: ${response.status} ${response.body.toString()}`);
  }
  return response.id;
}

export async function createBin(baseUrl: string, headers: Record<string, string> = {}): Promise<CreatedBin> {
  const response = await fetch(`${baseUrl}/api/bins`, { method: "POST", headers });
  if (response.status !== 201) throw new Error(`POST /api/bins answered ${response.status}: ${await response.text()}`);
  const bin = (await response.json()) as CreatedBin;
  rememberToken(bin.id, bin.token);
  return bin;
}

export async function api(baseUrl: string, path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; json: unknown; text: string }> {
  const headers = init.headers instanceof Headers ? Object.fromEntries(init.headers) : (init.headers as Record<string, string> | undefined);
  const response = await fetch(`${baseUrl}${path}`, { ...init, headers: withOwnerToken(path, headers) });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

/** PATCH /api/bins/{binId} with `changes` as its JSON body: the bin's settings. */
export function patchBin(baseUrl: string, binId: string, changes: unknown): ReturnType<typeof api> {
  return api(baseUrl, `/api/bins/${binId}`, { method: "PATCH", headers: { "Content-Type": "application/json" }, body: JSON.stringify(changes) });
}

export async function listRequests(baseUrl: string, binId: string, query = ""): Promise<RequestPage> {
  const response = await api(baseUrl, `/api/bins/${binId}/requests${query ? `?${query}` : ""}`);
  if (response.status !== 200) throw new Error(`list answered ${response.status}: ${response.text}`);
  return response.json as RequestPage;
}

/** Every capture of the bin, following cursors, newest first. */
export async function listAllRequests(baseUrl: string, binId: string, limit = 200): Promise<RequestPage["requests"]> {
  const all: RequestPage["requests"] = [];
  let cursor: string | null = null;
  do {
    const page: RequestPage = await listRequests(baseUrl, binId, `limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
    all.push(...page.requests);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

export async function getRequest(baseUrl: string, binId: string, requestId: string): Promise<RequestDetail> {
  const response = await api(baseUrl, `/api/bins/${binId}/requests/${requestId}`);
  if (response.status !== 200) throw new Error(`detail answered ${response.status}: ${response.text}`);
  return response.json as RequestDetail;
}

/**
 * GET .../raw through node:http, which (unlike fetch) asks for no compression, so the
 * bytes and Content-Length are exactly what went over the wire.
 */
export async function getRaw(baseUrl: string, binId: string, requestId: string, query = ""): Promise<RawResponse> {
  return request(baseUrl, { path: `/api/bins/${binId}/requests/${requestId}/raw${query ? `?${query}` : ""}` });
}

/** An answer read off a raw socket (rawExchange): its status, head, headers (lowercased names, last value wins), body and the raw text. */
export type Answer = { status: number; head: string; headers: Map<string, string>; body: string; json: unknown; raw: string };

/** The first final answer in what the server sent (after any `100 Continue`). */
export function parseAnswer(raw: string): Answer {
  let text = raw;
  while (/^HTTP\/1\.[01] 1\d\d /.test(text)) text = text.slice(text.indexOf("\r\n\r\n") + 4);
  const end = text.indexOf("\r\n\r\n");
  const head = end === -1 ? text : text.slice(0, end);
  const body = end === -1 ? "" : text.slice(end + 4);
  const headers = new Map<string, string>();
  for (const line of head.split("\r\n").slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0), head, headers, body, json, raw };
}

/** Opens a plain TCP connection to the server, for bytes node:http would not send. */
export function connect(baseUrl: string): Promise<net.Socket> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => resolve(socket));
    socket.once("error", reject);
  });
}

/**
 * Writes raw bytes on a fresh socket and collects everything the server sends until
 * it closes the connection (send `Connection: close`) or `timeoutMs` passes.
 */
export async function rawExchange(baseUrl: string, bytes: string | Buffer, timeoutMs = 10_000): Promise<string> {
  const socket = await connect(baseUrl);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms; got: ${Buffer.concat(chunks).toString()}`));
    }, timeoutMs);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => undefined); // a reset after the answer is fine; the data is what counts
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("latin1"));
    });
    socket.write(bytes);
  });
}

/** Reads from the server's SQLite file directly (read-only; WAL lets it run beside the server). */
export function countCapturedRows(databaseFile: string, binId?: string): number {
  const db = new Database(databaseFile, { readonly: true, fileMustExist: true });
  try {
    const row = (
      binId === undefined
        ? db.prepare(`SELECT count(*) AS n FROM "CapturedRequest"`).get()
        : db.prepare(`SELECT count(*) AS n FROM "CapturedRequest" WHERE "binId" = ?`).get(binId)
    ) as { n: number };
    return row.n;
  } finally {
    db.close();
  }
}

/** How many BodyChunk rows (the slices of a large body) the capture has in the server's SQLite file. */
export function countBodyChunkRows(databaseFile: string, requestId: string): number {
  const db = new Database(databaseFile, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM "BodyChunk" WHERE "requestId" = ?`).get(requestId) as { n: number }).n;
  } finally {
    db.close();
  }
}

/** Polls `check` until it stops throwing, for at most `timeoutMs`. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

/** Every byte value 0..255 (twice, reversed the second time) plus sequences that are not UTF-8. */
export function binaryBody(): Buffer {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const invalidUtf8 = Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0xff, 0xfe, 0x00]);
  return Buffer.concat([all, invalidUtf8, Buffer.from(all).reverse()]);
}
