import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BinDto } from "../../lib/types.ts";
import { api, capture, createBin, patchBin, request } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

/**
 * CAPTURE_URL: capture URLs on a host of their own, where a bin's answers may set
 * cookies, redirects and policies because nothing else is served there. The capture
 * host is only a Host header here: every request still goes to 127.0.0.1.
 */
const captureHost = "capture.localhost";

describe("with CAPTURE_URL", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { CAPTURE_URL: `http://${captureHost}` } });
  });
  afterAll(() => server.dispose());

  const onCaptureHost = { Host: captureHost };

  it("hands out capture URLs on the capture host: POST /api/bins, the bin's DTO and its page", async () => {
    const bin = await createBin(server.baseUrl);
    expect(bin.url).toBe(`http://${captureHost}/b/${bin.id}`);
    expect(((await api(server.baseUrl, `/api/bins/${bin.id}`)).json as BinDto).url).toBe(`http://${captureHost}/b/${bin.id}`);
    const renamed = (await patchBin(server.baseUrl, bin.id, { alias: "origin-test" })).json as BinDto;
    expect(renamed.url).toBe(`http://${captureHost}/b/origin-test`);
    const page = await api(server.baseUrl, `/bins/${bin.id}`, { headers: { Cookie: `hookyard_bin=${bin.token}` } });
    expect(page.status).toBe(200);
    expect(page.text).toContain(`http://${captureHost}/b/origin-test`);
  });

  it("serves nothing but capture on the capture host: the dashboard, API and streams 404 there", async () => {
    const bin = await createBin(server.baseUrl);
    for (const path of ["/", `/bins/${bin.id}`, "/api/bins", `/api/bins/${bin.id}`, `/api/bins/${bin.id}/stream`, "/api/health", "/_next/static/x.js"]) {
      const answer = await request(server.baseUrl, { path, headers: onCaptureHost });
      expect(answer.status, path).toBe(404);
      expect(answer.json, path).toEqual({ error: "not_found", message: "Only capture URLs (/b/{bin}/…) are served on this host." });
    }
    const post = await request(server.baseUrl, { method: "POST", path: "/api/bins", headers: onCaptureHost });
    expect(post.status).toBe(404);
    // Capture itself works there, and on the dashboard's host too.
    const captured = await capture(server.baseUrl, bin.id, { headers: onCaptureHost, body: "hi" });
    expect(captured.status).toBe(200);
    expect((await capture(server.baseUrl, bin.id, { body: "hi" })).status).toBe(200);
    expect((await api(server.baseUrl, `/api/bins/${bin.id}`)).json).toMatchObject({ requestCount: 2 });
  });

  it("sends cookies, redirects and policies from the capture host, and withholds them on the dashboard's host", async () => {
    const bin = await createBin(server.baseUrl);
    const headers = [
      ["Set-Cookie", "session=abc; Path=/; HttpOnly"],
      ["Location", "https://elsewhere.example/next"],
      ["Content-Security-Policy", "default-src 'self'"],
      ["X-Plain", "1"],
    ];
    const saved = await patchBin(server.baseUrl, bin.id, { response: { status: 302, headers, body: "<p>moved</p>" } });
    expect(saved.status, saved.text).toBe(200);

    const there = await capture(server.baseUrl, bin.id, { headers: onCaptureHost });
    expect(there.status).toBe(302);
    expect(there.headers["set-cookie"]).toEqual(["session=abc; Path=/; HttpOnly"]);
    expect(there.headers.location).toBe("https://elsewhere.example/next");
    expect(there.headers["content-security-policy"]).toBe("default-src 'self'");
    expect(there.headers["hookyard-withheld-headers"]).toBeUndefined();

    const dashboard = await capture(server.baseUrl, bin.id);
    expect(dashboard.status).toBe(302);
    expect(dashboard.headers["set-cookie"]).toBeUndefined();
    expect(dashboard.headers.location).toBeUndefined();
    expect(dashboard.headers["content-security-policy"]).toContain("sandbox");
    expect(dashboard.headers["x-plain"]).toBe("1");
    expect(dashboard.headers["hookyard-withheld-headers"]).toBe("Set-Cookie, Location, Content-Security-Policy");
    expect(dashboard.headers["x-request-id"]).toBe(dashboard.id);
  });

  it("still refuses framing headers, and cookies for other hosts, with 422 naming them", async () => {
    const bin = await createBin(server.baseUrl);
    for (const [name, value, pattern] of [
      ["Transfer-Encoding", "chunked", /Transfer-Encoding is set by Hookyard itself/],
      ["Connection", "close", /Connection is set by Hookyard itself/],
      ["Set-Cookie", "a=1; Domain=localhost", /Set-Cookie with a Domain attribute would reach other hosts/],
    ] as const) {
      const refused = await patchBin(server.baseUrl, bin.id, { response: { status: 200, headers: [[name, value]] } });
      expect(refused.status, name).toBe(422);
      expect((refused.json as { message: string }).message).toMatch(pattern);
    }
  });
});

describe("without CAPTURE_URL, a response saved before the header rules", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.dispose());

  it("is answered without the headers that would act on the dashboard's origin", async () => {
    const bin = await createBin(server.baseUrl);
    await server.stop();
    // As an older Hookyard, or a hand edit, would have stored it.
    const db = new Database(server.databaseFile);
    const response = {
      status: 200,
      headers: [
        ["Set-Cookie", "stolen=1"],
        ["Clear-Site-Data", '"*"'],
        ["X-Kept", "yes"],
        ["Location", "//phish.example/"],
      ],
      body: "ok",
      delayMs: 0,
    };
    db.prepare(`INSERT INTO "BinResponse" ("binId", "response", "rules") VALUES (?, ?, '[]')`).run(bin.id, JSON.stringify(response));
    db.close();
    await server.restart();

    const answer = await capture(server.baseUrl, bin.id, { body: "x" });
    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toBe("ok");
    expect(answer.headers["x-kept"]).toBe("yes");
    expect(answer.headers["set-cookie"]).toBeUndefined();
    expect(answer.headers["clear-site-data"]).toBeUndefined();
    expect(answer.headers.location).toBeUndefined();
    expect(answer.headers["hookyard-withheld-headers"]).toBe("Set-Cookie, Clear-Site-Data, Location");

    // Saving it again through the API is refused, naming the first header at fault.
    const again = await patchBin(server.baseUrl, bin.id, { response });
    expect(again.status).toBe(422);
    expect((again.json as { message: string }).message).toMatch(/^response\.headers\.0: Set-Cookie would act on the dashboard's origin/);
  });
});
