import http from "node:http";
import type { RequestSummary } from "../../lib/types.ts";
import { withOwnerToken } from "./factories.ts";

/** One parsed Server-Sent Events block. Comments (`: ping`) are kept as `comment`. */
export type SseMessage = { kind: "event"; event: string; id: string | undefined; data: string } | { kind: "comment"; text: string };

export type SseEvent = Extract<SseMessage, { kind: "event" }>;

export type SseClient = {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Everything received so far, in order. */
  readonly messages: SseMessage[];
  /** Events only (no comments), in order. */
  events(): SseEvent[];
  /** Resolves with the first message received so far or later that matches, waiting at most `timeoutMs`. */
  waitFor(match: (message: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage>;
  /** Resolves once `count` events (comments not counted; `ready` excluded) named `event` have arrived. */
  waitForEvents(event: string, count: number, timeoutMs?: number): Promise<SseEvent[]>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  /** Stops reading, so the server meets backpressure (a slow client); `resume` reads again. */
  pause(): void;
  resume(): void;
  close(): void;
};

export type OpenStreamOptions = {
  /** Sent as `Last-Event-ID`: a capture's `seq` (the event ids), `0`, or (as older clients saved) a capture id. */
  lastEventId?: string;
  /** Sent as `?after=`, taking the same as `lastEventId`. */
  after?: string;
  path?: string;
  /**
   * Read nothing until `resume()`: resolves as soon as the headers are in, so the server
   * meets a client that does not read (a slow client) from its very first byte.
   */
  paused?: boolean;
  /** Extra request headers; the bin owner's Authorization is added unless one is given here. */
  headers?: Record<string, string>;
};

function parseBlock(block: string): SseMessage | null {
  const lines = block.split("\n");
  if (lines.every((line) => line.startsWith(":"))) return { kind: "comment", text: lines.map((l) => l.slice(1).trim()).join("\n") };
  let event = "message";
  let id: string | undefined;
  const data: string[] = [];
  for (const line of lines) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "id") id = value;
    else if (field === "data") data.push(value);
  }
  if (data.length === 0 && id === undefined && event === "message") return null; // e.g. a lone `retry:` block
  return { kind: "event", event, id, data: data.join("\n") };
}

/**
 * Opens `GET /api/bins/{binId}/stream` and parses it as it arrives. Resolves once the
 * response headers are in (for a 200, after the `ready` event too, unless `paused`).
 * The server subscribes to the bin before it sends the headers.
 */
export function openStream(baseUrl: string, binId: string, options: OpenStreamOptions = {}): Promise<SseClient> {
  const { hostname, port } = new URL(baseUrl);
  const path = options.path ?? `/api/bins/${binId}/stream${options.after !== undefined ? `?after=${options.after}` : ""}`;
  return new Promise((resolve, reject) => {
    const messages: SseMessage[] = [];
    const listeners = new Set<() => void>();
    const notify = () => listeners.forEach((listener) => listener());
    let endedResolve!: () => void;
    const ended = new Promise<void>((r) => (endedResolve = r));
    let finished = false;

    const req = http.get(
      {
        hostname,
        port,
        path,
        agent: false,
        headers: withOwnerToken(path, {
          Accept: "text/event-stream",
          ...(options.lastEventId ? { "Last-Event-ID": options.lastEventId } : {}),
          ...options.headers,
        }),
      },
      (res) => {
        clearTimeout(headersTimer);
        res.setEncoding("utf8");
        let buffer = "";
        res.on("data", (chunk: string) => {
          buffer += chunk;
          let boundary: number;
          while ((boundary = buffer.indexOf("\n\n")) !== -1) {
            const parsed = parseBlock(buffer.slice(0, boundary));
            buffer = buffer.slice(boundary + 2);
            if (parsed) messages.push(parsed);
          }
          notify();
        });
        const finish = () => {
          if (finished) return;
          finished = true;
          endedResolve();
          notify();
        };
        res.on("end", finish);
        res.on("close", finish);
        res.on("error", finish);

        /** Resolves with the first defined result of `condition`, re-checked as messages arrive. */
        const waitUntil = <T>(condition: () => T | undefined, timeoutMs: number): Promise<T> =>
          new Promise((resolveWait, rejectWait) => {
            const check = () => {
              const found = condition();
              if (found !== undefined) {
                cleanup();
                resolveWait(found);
              } else if (finished) {
                cleanup();
                rejectWait(new Error(`stream ended without the expected message; got ${describe(messages)}`));
              }
            };
            const timer = setTimeout(() => {
              cleanup();
              rejectWait(new Error(`expected message not received within ${timeoutMs} ms; got ${describe(messages)}`));
            }, timeoutMs);
            const cleanup = () => {
              clearTimeout(timer);
              listeners.delete(check);
            };
            listeners.add(check);
            check();
          });

        const client: SseClient = {
          status: res.statusCode ?? 0,
          headers: res.headers,
          messages,
          events: () => messages.filter((m): m is SseEvent => m.kind === "event"),
          waitFor(match, timeoutMs = 5_000) {
            return waitUntil(() => messages.find(match), timeoutMs);
          },
          async waitForEvents(event, count, timeoutMs = 5_000) {
            // Count incrementally: re-filtering every message on every chunk is quadratic.
            let seen = 0;
            const matching: SseEvent[] = [];
            await waitUntil(() => {
              for (; seen < messages.length; seen++) {
                const message = messages[seen]!;
                if (message.kind === "event" && message.event === event) matching.push(message);
              }
              return matching.length >= count ? true : undefined;
            }, timeoutMs);
            return matching;
          },
          ended,
          pause: () => res.pause(),
          resume: () => res.resume(),
          close() {
            req.destroy();
          },
        };

        if (options.paused) {
          res.pause();
          resolve(client);
          return;
        }
        if (client.status !== 200) {
          res.on("end", () => resolve(client));
          res.resume();
          return;
        }
        client.waitFor((m) => m.kind === "event" && m.event === "ready").then(() => resolve(client), reject);
      },
    );
    const headersTimer = setTimeout(() => req.destroy(new Error(`no response to GET ${path} within 5000 ms`)), 5_000);
    req.on("error", (error) => {
      clearTimeout(headersTimer);
      if (!finished) reject(error);
    });
  });
}

/** Enough of what arrived to diagnose a failure without printing megabytes. */
function describe(messages: SseMessage[]): string {
  const text = JSON.stringify(messages);
  return text.length > 2_000 ? `${messages.length} messages: ${text.slice(0, 2_000)}…` : text;
}

/**
 * The summaries the `request` events carry, in order. Throws when an event's `id:` is not
 * its capture's place in the bin (`seq`): a client resumes from that id, so every test
 * that reads captures off a stream checks it.
 */
export function requestSummaries(events: SseEvent[]): RequestSummary[] {
  return events
    .filter((e) => e.event === "request")
    .map((e) => {
      const summary = JSON.parse(e.data) as RequestSummary;
      if (e.id !== String(summary.seq)) throw new Error(`request event id ${JSON.stringify(e.id)} is not the seq of capture ${summary.id} (${summary.seq})`);
      return summary;
    });
}

/** The capture ids of the `request` events, in order (from their data; the event ids are places, see `eventIds`). */
export function requestIds(events: SseEvent[]): string[] {
  return requestSummaries(events).map((summary) => summary.id);
}

/** The `id:` of each `request` event, in order: each capture's `seq`, what Last-Event-ID and `?after=` take. */
export function eventIds(events: SseEvent[]): string[] {
  return requestSummaries(events).map((summary) => String(summary.seq));
}
