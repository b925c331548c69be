import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toCurl } from "@/lib/curl";
import type { RequestDetail } from "@/lib/types";
import { binaryBody, captureOk, createBin, getRequest, type CaptureOptions } from "../support/factories";
import { startTestServer, type TestServer } from "../support/server";

// Headers that describe the connection or the framing, which curl sets itself.
const transport = new Set(["host", "content-length", "transfer-encoding", "connection", "expect"]);

function comparable(request: RequestDetail) {
  return {
    method: request.method,
    path: request.path,
    query: request.query,
    headers: request.headers.filter(([name]) => !transport.has(name.toLowerCase())),
    bodyBase64: request.bodyBase64,
  };
}

describe("copy as cURL", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.dispose());

  const cases: [string, CaptureOptions][] = [
    [
      "JSON with duplicate, mixed-case and quoted headers",
      {
        method: "POST",
        path: "/hooks/it's",
        query: "a=1&a=2&q=%27quoted%27",
        headers: { "Content-Type": "application/json", "X-Dup": ["one", "two"], "X-Quote": `it's "here" $HOME \\`, "User-Agent": "Stripe/1.0" },
        body: JSON.stringify({ text: "it's $HOME `id` ✓" }),
      },
    ],
    ["a binary body with NUL bytes", { method: "PUT", path: "/upload", headers: { "Content-Type": "application/octet-stream" }, body: binaryBody() }],
    ["a WebDAV method without a body", { method: "PROPFIND", path: "/dav/..%2F/x", headers: { Depth: "1" } }],
  ];

  it.each(cases)("replays %s exactly", async (_name, options) => {
    const bin = await createBin(server.baseUrl);
    const original = await getRequest(server.baseUrl, bin.id, await captureOk(server.baseUrl, bin.id, options));
    const command = toCurl({ ...original, body: Buffer.from(original.bodyBase64, "base64") });

    const answer = JSON.parse(execFileSync("bash", ["-c", `${command} --silent --show-error`]).toString()) as { id: string };
    const replayed = await getRequest(server.baseUrl, bin.id, answer.id);
    expect(comparable(replayed)).toEqual(comparable(original));
  });
});
