import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A plain node:http server standing in for the app a capture is forwarded to. It
 * records exactly what arrived (method, request target, raw headers in order and case,
 * body bytes) and answers as `respond` says, so forwarding tests see the wire, not a
 * framework's reading of it.
 */

export type Received = {
  method: string;
  /** The request target as sent: path and query, percent-encoding kept. */
  url: string;
  /** [name, value] pairs in the order and case they arrived, duplicates kept. */
  headers: [string, string][];
  body: Buffer;
};

export type Answer = { status?: number; headers?: Record<string, string | string[]>; body?: string | Buffer };

/** Decides the answer; returning null leaves the request hanging (for timeouts). */
export type Responder = (received: Received) => Answer | null;

export type TargetServer = {
  /** `http://127.0.0.1:{port}` */
  readonly baseUrl: string;
  readonly received: Received[];
  /** Replaces how the target answers from now on. */
  respondWith(responder: Responder): void;
  close(): Promise<void>;
};

const ok: Responder = () => ({ status: 200, headers: { "Content-Type": "application/json" }, body: JSON.stringify({ received: true }) });

export async function startTargetServer(responder: Responder = ok): Promise<TargetServer> {
  const received: Received[] = [];
  let respond = responder;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const headers: [string, string][] = [];
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
      const entry: Received = { method: req.method ?? "", url: req.url ?? "", headers, body: Buffer.concat(chunks) };
      received.push(entry);
      const answer = respond(entry);
      if (!answer) return;
      res.writeHead(answer.status ?? 200, answer.headers ?? {});
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    received,
    respondWith(next) {
      respond = next;
    },
    close: () =>
      new Promise((resolve) => {
        // Hanging requests (timeout tests) would keep close() waiting forever.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
