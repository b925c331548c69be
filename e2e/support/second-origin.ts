import http from "node:http";

export type SecondOrigin = { origin: string; close(): Promise<void> };

/**
 * A page on an origin of its own (`http://127.0.0.1:{port}`, the dashboard being on
 * `http://localhost:{port}`): a blank HTML page for a journey to run `fetch` from, as a
 * browser-based sender would. Listens on 127.0.0.1 only.
 */
export async function serveSecondOrigin(): Promise<SecondOrigin> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
    res.end("<!doctype html><title>Another origin</title><p>A page on another origin.</p>");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (typeof address !== "object" || !address) throw new Error("the second origin has no port");
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
