// The machine's baseline for the throughput figures: plain node:http that reads the
// whole request body (as a capture must) and answers 200 with a small JSON body,
// storing nothing. Listens on the port given in argv (0 = any) and prints it.
import http from "node:http";

const answer = JSON.stringify({ ok: true, id: "bare" });

const server = http.createServer((req, res) => {
  let size = 0;
  req.on("data", (chunk) => (size += chunk.length));
  req.on("end", () => {
    res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(answer) });
    res.end(answer);
  });
});

server.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => {
  console.log(`bare listening on http://127.0.0.1:${server.address().port}`);
});
const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
