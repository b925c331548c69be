import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binIdForAlias } from "@/lib/server/bins/ids";
import type { BinDto } from "@/lib/types";
import { api, capture, captureOk, createBin, eventually, getRequest, listRequests, patchBin, rememberToken, request } from "../support/factories";
import { startTestServer, type TestServer } from "../support/server";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.dispose());

/** A new bin with these settings applied; fails the test if PATCH refuses them. */
async function binWith(changes: unknown): Promise<BinDto> {
  const bin = await createBin(server.baseUrl);
  const response = await patchBin(server.baseUrl, bin.id, changes);
  expect(response.status, response.text).toBe(200);
  return response.json as BinDto;
}

describe("rules", () => {
  it("answers POST /fail with 500 while everything else gets the built-in 200 with the capture id", async () => {
    const bin = await binWith({
      rules: [{ method: "POST", path: { mode: "exact", value: "/fail" }, response: { status: 500, headers: [["X-Why", "rule"]], body: "boom" } }],
    });
    expect(bin.rules).toHaveLength(1);
    expect(bin.response).toBeNull();

    const failed = await capture(server.baseUrl, bin.id, { method: "POST", path: "/fail", body: "x" });
    expect(failed.status).toBe(500);
    expect(failed.body.toString()).toBe("boom");
    expect(failed.headers["x-why"]).toBe("rule");
    expect(failed.headers["content-type"]).toBe("text/plain; charset=utf-8");
    // The custom body is served from Hookyard's origin: never as a live page.
    expect(failed.headers["content-security-policy"]).toContain("sandbox");
    expect(failed.id).toMatch(/^[0-9A-Z]{26}$/);

    const other = await capture(server.baseUrl, bin.id, { method: "POST", path: "/ok", body: "x" });
    expect(other.status).toBe(200);
    expect(other.json).toEqual({ ok: true, id: other.id });
    const getFail = await capture(server.baseUrl, bin.id, { method: "GET", path: "/fail" });
    expect(getFail.status).toBe(200);

    // Every one of them was stored, whatever the answer.
    const stored = (await listRequests(server.baseUrl, bin.id)).requests.map((summary) => summary.id);
    expect(stored).toEqual([getFail.id, other.id, failed.id]);
  });

  it("matches on a header and on a JSON body field, first match wins, else the bin's default", async () => {
    const bin = await binWith({
      response: { status: 202, headers: [["Content-Type", "application/json"]], body: '{"accepted":true}' },
      rules: [
        { header: { name: "x-github-event", value: "ping" }, response: { status: 204 } },
        { json: { path: "data.object.status", equals: "failed" }, response: { status: 402, body: "declined" } },
        { header: { name: "X-Retry", value: null }, response: { status: 503, headers: [["Retry-After", "7"]] } },
      ],
    });
    const post = (headers: Record<string, string>, body: string) =>
      capture(server.baseUrl, bin.id, { path: "/hook", headers: { "Content-Type": "application/json", ...headers }, body });

    const ping = await post({ "X-GitHub-Event": "ping", "X-Retry": "1" }, "{}");
    expect(ping.status).toBe(204);
    expect(ping.body.length).toBe(0);
    expect((await post({}, JSON.stringify({ data: { object: { status: "failed" } } }))).status).toBe(402);
    expect((await post({}, JSON.stringify({ data: { object: { status: "paid" } } }))).status).toBe(202);
    const retry = await post({ "x-retry": "" }, "not json");
    expect(retry.status).toBe(503);
    expect(retry.headers["retry-after"]).toBe("7");
    const fallback = await post({ "X-GitHub-Event": "push" }, "[1,2]");
    expect(fallback.status).toBe(202);
    expect(fallback.json).toEqual({ accepted: true });
    expect(fallback.headers["content-type"]).toBe("application/json");
    expect(fallback.headers["x-request-id"]).toBe(fallback.id);
  });

  it("matches sub-paths by prefix and glob", async () => {
    const bin = await binWith({
      rules: [
        { path: { mode: "glob", value: "/orders/*/refund" }, response: { status: 409 } },
        { path: { mode: "prefix", value: "/admin" }, response: { status: 403 } },
      ],
    });
    const status = async (path: string) => (await capture(server.baseUrl, bin.id, { method: "GET", path })).status;
    expect(await status("/orders/42/refund")).toBe(409);
    expect(await status("/orders/42/x/refund")).toBe(200);
    expect(await status("/admin")).toBe(403);
    expect(await status("/admin/users")).toBe(403);
    expect(await status("/administrator")).toBe(200);
  });

  it("fills placeholders from the request and leaves unknown ones as written", async () => {
    const bin = await binWith({
      response: {
        status: 200,
        body: "id={{request.id}} m={{request.method}} p={{request.path}} q={{request.query.user}} h={{request.header.x-name}} j={{request.json.order.id}} miss=[{{request.header.nope}}] t={{request.receivedAt}} u={{request.unknown}}",
      },
    });
    const answer = await capture(server.baseUrl, bin.id, {
      method: "PUT",
      path: "/orders/7",
      query: "user=ada%20l",
      headers: { "X-Name": "<b>bold</b>", "Content-Type": "application/json" },
      body: JSON.stringify({ order: { id: 7 } }),
    });
    const detail = await getRequest(server.baseUrl, bin.id, answer.id!);
    expect(answer.body.toString()).toBe(`id=${answer.id} m=PUT p=/orders/7 q=ada l h=<b>bold</b> j=7 miss=[] t=${detail.receivedAt} u={{request.unknown}}`);
  });

  it("refuses invalid settings with 422 and keeps the previous ones", async () => {
    const bin = await binWith({ response: { status: 201 } });
    const refused = [
      { response: { status: 101 } },
      { response: { status: 200, delayMs: 30_001 } },
      { response: { status: 200, headers: [["Bad Name", "x"]] } },
      { response: { status: 200, headers: [["X-Ok", "line\nbreak"]] } },
      { response: { status: 200, headers: [["Content-Length", "3"]] } },
      { response: { status: 200, body: "x".repeat(64 * 1024 + 1) } },
      { rules: [{ method: "post", response: { status: 200 } }] },
      { rules: [{ path: { mode: "regex", value: ".*" }, response: { status: 200 } }] },
      {},
    ];
    for (const changes of refused) {
      const response = await patchBin(server.baseUrl, bin.id, changes);
      expect(response.status, JSON.stringify(changes)).toBe(422);
      expect((response.json as { error: string }).error).toBe("validation_failed");
    }
    expect((await capture(server.baseUrl, bin.id, { method: "GET" })).status).toBe(201);
    // null goes back to the built-in answer.
    expect(((await patchBin(server.baseUrl, bin.id, { response: null })).json as BinDto).response).toBeNull();
    expect((await capture(server.baseUrl, bin.id, { method: "GET" })).json).toMatchObject({ ok: true });
  });
});

describe("bounded work", () => {
  it("stores a capture whose answer would render past 1 MiB, and answers it 500 naming the cap, with its X-Request-Id", async () => {
    // 4,000 × {{request.body}} over a 64 KiB body would be a 256 MiB answer.
    const bin = await binWith({ response: { status: 200, body: "{{request.body}}".repeat(4_000) } });
    const started = Date.now();
    const answer = await capture(server.baseUrl, bin.id, { body: "x".repeat(64 * 1024) });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(answer.status).toBe(500);
    expect(answer.json).toEqual({ error: "internal_error", message: expect.stringContaining("more than 1 MiB (the rendered-body cap)"), id: answer.id });
    expect(answer.body.length).toBeLessThan(1_024);
    expect(answer.id).toMatch(/^[0-9A-Z]{26}$/);
    expect((answer.json as { message: string }).message).toContain(answer.id!);
    expect((await listRequests(server.baseUrl, bin.id)).requests.map((summary) => summary.id)).toEqual([answer.id]);
    // Under the cap the same template answers in full.
    const small = await capture(server.baseUrl, bin.id, { body: "y" });
    expect(small.status).toBe(200);
    expect(small.body.toString()).toBe("y".repeat(4_000));
  });

  it("matches 50 of the worst globs against the longest path Node accepts in bounded time", async () => {
    const glob = `/${"*a".repeat(127)}`; // 255 characters: every position stays alive over a run of "a"
    const bin = await binWith({
      rules: Array.from({ length: 50 }, () => ({ path: { mode: "glob", value: glob }, response: { status: 418 } })),
      response: { status: 202 },
    });
    const path = `/${"a".repeat(15 * 1024)}b`;
    const started = Date.now();
    const answer = await capture(server.baseUrl, bin.id, { method: "GET", path });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(answer.status).toBe(202);
    expect((await capture(server.baseUrl, bin.id, { method: "GET", path: `/${"a".repeat(300)}` })).status).toBe(418);
  });

  it("refuses a glob over 256 characters and a generic-HMAC template repeating {body}, with 422 naming the field", async () => {
    const bin = await createBin(server.baseUrl);
    const glob = await patchBin(server.baseUrl, bin.id, { rules: [{ path: { mode: "glob", value: `/${"*a".repeat(128)}` }, response: { status: 200 } }] });
    expect(glob.status).toBe(422);
    expect(glob.json).toEqual({ error: "validation_failed", message: "rules.0.path.value: a glob is at most 256 characters" });
    const hmac = await patchBin(server.baseUrl, bin.id, {
      signature: { provider: "generic-hmac", secrets: ["s3cret"], options: { header: "X-Sig", template: "{body}".repeat(80) } },
    });
    expect(hmac.status).toBe(422);
    expect((hmac.json as { message: string }).message).toContain("{body} may appear at most once");
  });
});

describe("response headers on the dashboard's origin", () => {
  it("refuses headers that act on the origin or the visitor's browser with 422 naming the header", async () => {
    const bin = await binWith({ response: { status: 201 } });
    for (const [name, value] of [
      ["Set-Cookie", "session=x; Path=/"],
      ["Clear-Site-Data", '"*"'],
      ["Strict-Transport-Security", "max-age=31536000; includeSubDomains"],
      ["WWW-Authenticate", 'Basic realm="Hookyard"'],
      ["Content-Security-Policy-Report-Only", "default-src 'none'; report-uri https://collector.example/"],
      ["NEL", '{"report_to":"x","max_age":31536000}'],
      ["Access-Control-Allow-Credentials", "true"],
      ["Refresh", "0; url=https://phish.example/"],
      ["Location", "https://phish.example/login"],
      ["Location", "//phish.example/login"],
      ["Location", "/api/bins"],
    ] as const) {
      const refused = await patchBin(server.baseUrl, bin.id, {
        rules: [
          {
            response: {
              status: 302,
              headers: [
                ["X-Fine", "1"],
                [name, value],
              ],
            },
          },
        ],
      });
      expect(refused.status, `${name}: ${value}`).toBe(422);
      expect(refused.json, name).toEqual({
        error: "validation_failed",
        message: expect.stringMatching(new RegExp(`^rules\\.0\\.response\\.headers\\.1: ${name} `)),
      });
    }
    // A redirect among capture URLs is fine, and so are ordinary headers.
    const redirect = await patchBin(server.baseUrl, bin.id, {
      response: {
        status: 307,
        headers: [
          ["Location", `/b/${bin.id}/next`],
          ["Retry-After", "3"],
        ],
      },
    });
    expect(redirect.status, redirect.text).toBe(200);
    const answer = await capture(server.baseUrl, bin.id, { method: "GET" });
    expect(answer.status).toBe(307);
    expect(answer.headers.location).toBe(`/b/${bin.id}/next`);
  });
});

describe("delayed answers", () => {
  it("stores the capture before the delayed answer, which arrives after the delay", async () => {
    const delayMs = 3_000;
    const bin = await binWith({ response: { status: 200, body: "late", delayMs } });
    const started = Date.now();
    let answeredAt: number | null = null;
    const answer = capture(server.baseUrl, bin.id, { path: "/slow", body: "payload" }).then((response) => {
      answeredAt = Date.now();
      return response;
    });
    // The capture is visible through the API while its answer is still on hold.
    const stored = await eventually(async () => {
      const { requests } = await listRequests(server.baseUrl, bin.id);
      expect(requests).toHaveLength(1);
      return requests[0]!;
    });
    expect(answeredAt).toBeNull();
    const response = await answer;
    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe("late");
    expect(response.id).toBe(stored.id);
    expect(answeredAt! - started).toBeGreaterThanOrEqual(delayMs);
  });

  it("keeps the capture and the server when the client leaves during the delay", async () => {
    const bin = await binWith({ response: { status: 200, delayMs: 30_000 } });
    const gone = request(server.baseUrl, { method: "POST", path: `/b/${bin.id}/bye`, headers: { "Content-Length": "2" }, body: "hi", timeoutMs: 300 });
    await expect(gone).rejects.toThrow(/timed out/);
    await eventually(async () => expect((await listRequests(server.baseUrl, bin.id)).requests).toHaveLength(1));
    expect((await api(server.baseUrl, "/api/health")).status).toBe(200);
  });
});

describe("delayed answers and the memory budget", () => {
  let tight: TestServer;
  beforeAll(async () => {
    tight = await startTestServer({ env: { MAX_BODY_BYTES: "1024", MAX_BUFFERED_BODY_BYTES: "100000" } });
  });
  afterAll(() => tight.dispose());

  it("holds delayed bodies against MAX_BUFFERED_BODY_BYTES: past it an answer goes out at once instead of waiting in memory", async () => {
    const bin = await createBin(tight.baseUrl);
    const body = "x".repeat(60_000);
    expect((await patchBin(tight.baseUrl, bin.id, { response: { status: 200, body, delayMs: 4_000 } })).status).toBe(200);
    const started = Date.now();
    const first = capture(tight.baseUrl, bin.id, { body: "1" }).then((answer) => ({ answer, at: Date.now() - started }));
    await eventually(async () => expect((await listRequests(tight.baseUrl, bin.id)).requests).toHaveLength(1));
    // 60,000 bytes wait out the first delay; a second 60,000 would pass the 100,000 budget.
    const second = await capture(tight.baseUrl, bin.id, { body: "2" });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(second.status).toBe(200);
    expect(second.body.toString()).toBe(body);
    const { answer, at } = await first;
    expect(answer.body.toString()).toBe(body);
    expect(at).toBeGreaterThanOrEqual(4_000);
    // Released once sent: the next one waits its delay again.
    const third = Date.now();
    await capture(tight.baseUrl, bin.id, { body: "3" });
    expect(Date.now() - third).toBeGreaterThanOrEqual(4_000);
  });
});

describe("aliases", () => {
  it("captures at /b/{alias} into the bin and hands out the alias URL", async () => {
    const bin = await binWith({ alias: "stripe-dev" });
    expect(bin.alias).toBe("stripe-dev");
    expect(bin.url).toBe(`${server.baseUrl}/b/stripe-dev`);
    expect(((await api(server.baseUrl, `/api/bins/${bin.id}`)).json as BinDto).url).toBe(`${server.baseUrl}/b/stripe-dev`);

    const id = await captureOk(server.baseUrl, "stripe-dev", { path: "/webhook", query: "a=1", body: "{}" });
    const detail = await getRequest(server.baseUrl, bin.id, id);
    expect(detail.binId).toBe(bin.id);
    expect(detail.path).toBe("/webhook");
    expect(detail.url).toBe(`${server.baseUrl}/b/stripe-dev/webhook?a=1`);
    // The id keeps working beside the alias.
    await captureOk(server.baseUrl, bin.id);

    const other = await createBin(server.baseUrl);
    const taken = await patchBin(server.baseUrl, other.id, { alias: "stripe-dev" });
    expect(taken.status).toBe(409);
    expect((taken.json as { error: string }).error).toBe("conflict");

    // Renamed: the old alias names nothing, the new one the same bin.
    await patchBin(server.baseUrl, bin.id, { alias: "stripe-prod" });
    expect((await capture(server.baseUrl, "stripe-dev")).status).toBe(404);
    await captureOk(server.baseUrl, "stripe-prod");
    // Freed: now another bin may take it.
    expect((await patchBin(server.baseUrl, other.id, { alias: "stripe-dev" })).status).toBe(200);
    expect((await getRequest(server.baseUrl, other.id, await captureOk(server.baseUrl, "stripe-dev"))).binId).toBe(other.id);

    await patchBin(server.baseUrl, bin.id, { alias: null });
    expect((await capture(server.baseUrl, "stripe-prod")).status).toBe(404);
  });

  it("refuses aliases that are malformed, reserved or shaped like a bin id", async () => {
    const bin = await createBin(server.baseUrl);
    for (const alias of ["ab", "Upper", "-dash", "dash-", "under_score", "api", "bins", "a".repeat(22), "x".repeat(65), "sp ace"]) {
      expect((await patchBin(server.baseUrl, bin.id, { alias })).status, alias).toBe(422);
    }
  });

  it("stops answering for an alias once its bin is deleted", async () => {
    const bin = await binWith({ alias: "short-lived" });
    await captureOk(server.baseUrl, "short-lived");
    expect((await api(server.baseUrl, `/api/bins/${bin.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await capture(server.baseUrl, "short-lived")).status).toBe(404);
  });
});

describe("bins declared in configuration", () => {
  const declared = [
    {
      alias: "ci-fixed",
      signature: { provider: "github", secrets: ["ci-secret-value"] },
      response: { status: 202, body: "configured" },
      rules: [{ method: "POST", path: { mode: "exact", value: "/fail" }, response: { status: 500 } }],
      token: "ci-fixed-token-0123456789abcdef",
    },
    { id: "Cfg0Bin0Fixed0Id000000", response: null, token: "second-declared-token-0123456789" },
  ];

  it("exist with their settings after every start, and configuration wins over edits", async () => {
    const configured = await startTestServer({ env: { HOOKYARD_BINS: JSON.stringify(declared) } });
    try {
      const id = binIdForAlias("ci-fixed");
      rememberToken(id, declared[0]!.token);
      rememberToken("Cfg0Bin0Fixed0Id000000", declared[1]!.token);
      const check = async () => {
        const bin = (await api(configured.baseUrl, `/api/bins/${id}`)).json as BinDto;
        expect(bin).toMatchObject({ id, alias: "ci-fixed", url: `${configured.baseUrl}/b/ci-fixed`, response: { status: 202, body: "configured" } });
        expect(bin.signature).toMatchObject({ provider: "github" });
        expect(bin.signature!.secretHints[0]).not.toBe("ci-secret-value");
        expect((await capture(configured.baseUrl, "ci-fixed", { path: "/fail", body: "x" })).status).toBe(500);
        expect((await capture(configured.baseUrl, "ci-fixed", { path: "/ok", body: "x" })).status).toBe(202);
        expect((await api(configured.baseUrl, "/api/bins/Cfg0Bin0Fixed0Id000000")).status).toBe(200);
        await captureOk(configured.baseUrl, "Cfg0Bin0Fixed0Id000000");
      };
      await check();
      // Edited at run time, then restarted: the declared settings come back, captures stay.
      const patched = await patchBin(configured.baseUrl, id, { response: null, rules: [], alias: "renamed-bin" });
      expect(patched.status).toBe(200);
      await configured.restart();
      await check();
      expect((await listRequests(configured.baseUrl, id)).requests).toHaveLength(4);
      expect((await capture(configured.baseUrl, "renamed-bin")).status).toBe(404);
    } finally {
      await configured.dispose();
    }
  }, 120_000);

  it("stops the server at start-up with a message naming the bad entry", async () => {
    const bad = JSON.stringify([{ alias: "fine-bin" }, { alias: "fine-bin", response: { status: 42 } }]);
    const error = await startTestServer({ env: { HOOKYARD_BINS: bad } }).then(
      async (unexpected) => {
        await unexpected.dispose();
        throw new Error("the server started with an invalid HOOKYARD_BINS");
      },
      (failure: unknown) => failure as Error,
    );
    expect(error.message).toMatch(/HOOKYARD_BINS\[1\]\.response\.status: /);
  }, 60_000);
});
