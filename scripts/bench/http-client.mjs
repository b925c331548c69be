// Minimal HTTP and Server-Sent Events clients on node:http: less client-side overhead
// and fewer moving parts than fetch, so the timings are mostly the server's.
import http from "node:http";
import { performance } from "node:perf_hooks";

/** Keep-alive connections for sequential probes: no TCP handshake inside a timing. */
export const keepAliveAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/** One request; resolves with status, body text and elapsed ms. Rejects after `timeoutMs`. */
export function request(url, { method = "GET", body, headers = {}, agent = keepAliveAgent, timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(url, { method, agent, headers: body ? { "content-length": Buffer.byteLength(body), ...headers } : headers }, (res) => {
      const chunks = [];
      res.on("data", (chunk) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString("utf8"), ms: performance.now() - started }));
      res.on("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url} timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

export async function requestJson(url, options) {
  const response = await request(url, options);
  if (response.status < 200 || response.status >= 300)
    throw new Error(`${options?.method ?? "GET"} ${url} → ${response.status}: ${response.text.slice(0, 200)}`);
  return JSON.parse(response.text);
}

/**
 * Opens `GET <baseUrl>/api/bins/<binId>/stream` on its own socket. `ready` resolves at
 * the server's `event: ready`; `onEvent(fn)` receives { event, id, data, at } where `at`
 * is performance.now() when the chunk carrying it arrived. `closed` tells whether the
 * server or the network ended the stream.
 */
export function openStream(baseUrl, binId, { timeoutMs = 30_000, token } = {}) {
  const listeners = new Set();
  const stream = { closed: false, closeReason: null, onEvent: (fn) => listeners.add(fn), offEvent: (fn) => listeners.delete(fn), close: () => req.destroy() };
  let resolveReady;
  let rejectReady;
  stream.ready = new Promise((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  const readyTimer = setTimeout(() => req.destroy(new Error(`stream for ${binId} not ready within ${timeoutMs} ms`)), timeoutMs);

  // agent: false gives every stream its own socket, as 1,000 browser tabs would have.
  const req = http.get(
    `${baseUrl}/api/bins/${binId}/stream`,
    { agent: false, headers: { accept: "text/event-stream", ...(token ? { authorization: `Bearer ${token}` } : {}) } },
    (res) => {
      if (res.statusCode !== 200) {
        rejectReady(new Error(`stream for ${binId} answered ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding("utf8");
      let buffered = "";
      res.on("data", (chunk) => {
        const at = performance.now();
        buffered += chunk;
        let end;
        while ((end = buffered.indexOf("\n\n")) !== -1) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const event = parseEvent(block, at);
          if (!event) continue; // a comment such as the `: ping` heartbeat
          if (event.event === "ready") {
            clearTimeout(readyTimer);
            resolveReady(event);
          }
          for (const fn of listeners) fn(event);
        }
      });
      res.on("close", () => {
        stream.closed = true;
        stream.closeReason ??= "response closed";
      });
    },
  );
  req.on("error", (error) => {
    clearTimeout(readyTimer);
    stream.closed = true;
    stream.closeReason = error.message;
    rejectReady(error);
  });
  req.on("close", () => {
    clearTimeout(readyTimer);
    stream.closed = true;
  });
  stream.ready.catch(() => {}); // callers await it; this only prevents an unhandled rejection
  return stream;
}

function parseEvent(block, at) {
  let event = "message";
  let id = null;
  const data = [];
  let fields = 0;
  for (const line of block.split("\n")) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const name = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    fields += 1;
    if (name === "event") event = value;
    else if (name === "id") id = value;
    else if (name === "data") data.push(value);
  }
  return fields === 0 ? null : { event, id, data: data.join("\n"), at };
}
