import http from "node:http";
import type { HeaderPair } from "../../lib/types.ts";

/** What a forwarding target received: the request exactly as it came off the wire. */
export type Received = { method: string; url: string; headers: HeaderPair[]; body: Buffer };

export type TargetServer = {
  /** `http://127.0.0.1:{port}` */
  readonly baseUrl: string;
  /** Everything received so far, in order. */
  readonly received: Received[];
  close(): Promise<void>;
};

/**
 * A bare node:http server standing in for the app a capture is forwarded to. It keeps
 * raw headers (order, case, duplicates) and body bytes, and answers `answer(request)`
 * (200 with no body unless told otherwise).
 */
export function startTarget(answer: (request: Received) => { status: number; body?: string } = () => ({ status: 200 })): Promise<TargetServer> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const headers: HeaderPair[] = [];
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
      const request = { method: req.method ?? "", url: req.url ?? "", headers, body: Buffer.concat(chunks) };
      received.push(request);
      const { status, body } = answer(request);
      res.writeHead(status, { "Content-Type": "text/plain" }).end(body ?? "");
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      resolve({
        baseUrl: `http://127.0.0.1:${port}`,
        received,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}
