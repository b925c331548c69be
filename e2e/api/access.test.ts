import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BinDto } from "../../lib/types.ts";
import { api, capture, captureOk, createBin, type CreatedBin, patchBin, request } from "../support/factories.ts";
import { openStream, requestIds, type SseMessage } from "../support/sse.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { startTargetServer, type TargetServer } from "../support/target.ts";

/**
 * The capture URL captures and grants nothing else: every other way into a bin takes a
 * token, and without the right one a bin answers exactly as one that does not exist.
 */
let server: TestServer;
let baseUrl: string;
/** Where auto-forwarding bins send their captures (loopback only). */
let target: TargetServer;

beforeAll(async () => {
  [server, target] = await Promise.all([startTestServer({ env: { AUTH_FAILURES_PER_MINUTE: "0", SSE_HEARTBEAT_MS: "60000" } }), startTargetServer()]);
  baseUrl = server.baseUrl;
});

afterAll(async () => {
  await Promise.all([server?.dispose(), target?.close()]);
});

const missingBin = "AAAAAAAAAAAAAAAAAAAAAA";

/** Every route of a bin, with what it does, as a client without the owner's token would call it. */
function binRoutes(binId: string, requestId: string): { method: string; path: string; body?: unknown }[] {
  const base = `/api/bins/${binId}`;
  return [
    { method: "GET", path: base },
    { method: "PATCH", path: base, body: { alias: "stolen-name" } },
    { method: "DELETE", path: base },
    { method: "GET", path: `${base}/requests` },
    { method: "DELETE", path: `${base}/requests` },
    { method: "GET", path: `${base}/requests/${requestId}` },
    { method: "DELETE", path: `${base}/requests/${requestId}` },
    { method: "GET", path: `${base}/requests/${requestId}/raw` },
    { method: "GET", path: `${base}/requests/${requestId}/forwards` },
    { method: "POST", path: `${base}/requests/${requestId}/forward`, body: { url: `${baseUrl}/b/${binId}` } },
    { method: "POST", path: `${base}/requests/${requestId}/verify`, body: { provider: "github", secret: "x" } },
    { method: "GET", path: `${base}/links` },
    { method: "POST", path: `${base}/links`, body: { role: "owner" } },
  ];
}

async function call(route: { method: string; path: string; body?: unknown }, headers: Record<string, string>) {
  return api(baseUrl, route.path, {
    method: route.method,
    headers: { ...headers, ...(route.body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: route.body === undefined ? undefined : JSON.stringify(route.body),
  });
}

/** Mints a link on the bin with the owner's token (or `as`, another token) and answers it. */
async function mintLink(binId: string, input: Record<string, unknown> = {}, as?: string): Promise<{ id: string; token: string; expiresAt: number | null }> {
  const minted = await api(baseUrl, `/api/bins/${binId}/links`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(as ? { Authorization: `Bearer ${as}` } : {}) },
    body: JSON.stringify(input),
  });
  expect(minted.status, minted.text).toBe(201);
  return minted.json as { id: string; token: string; expiresAt: number | null };
}

/** Rejects when `promise` has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

/** Matches the `request` event carrying capture `requestId` (event ids are places, so the data names it). */
function captureEvent(requestId: string): (message: SseMessage) => boolean {
  return (message) => message.kind === "event" && message.event === "request" && (JSON.parse(message.data) as { id: string }).id === requestId;
}

async function binWithCapture(): Promise<{ bin: CreatedBin; requestId: string }> {
  const bin = await createBin(baseUrl);
  const requestId = await captureOk(baseUrl, bin.id, { body: "secret payload" });
  return { bin, requestId };
}

describe("without the bin's token", () => {
  it("every API route answers 404 as for a bin that does not exist, and changes nothing", async () => {
    const { bin, requestId } = await binWithCapture();
    const other = await createBin(baseUrl);
    const missing = await call({ method: "GET", path: `/api/bins/${missingBin}` }, { Authorization: "" });
    expect(missing.status).toBe(404);

    const attempts: Record<string, string>[] = [
      { Authorization: "" },
      { Authorization: `Bearer ${other.token}` },
      { Authorization: "Bearer hyk_not-a-real-token-at-all-000000000000000000" },
      { Authorization: "", Cookie: `hookyard_bin=${other.token}` },
    ];
    for (const credentials of attempts) {
      for (const route of binRoutes(bin.id, requestId)) {
        const answer = await call(route, credentials);
        expect(answer.status, `${route.method} ${route.path} with ${JSON.stringify(credentials)}`).toBe(404);
        expect(answer.json).toEqual({ error: "not_found", message: `No bin with id ${bin.id}.` });
        expect(answer.text).not.toContain("secret payload");
      }
    }
    // Nothing was changed, deleted or forwarded by any of them.
    const owner = await api(baseUrl, `/api/bins/${bin.id}`);
    expect(owner.status).toBe(200);
    expect(owner.json).toMatchObject({ alias: null, requestCount: 1, forward: null });
  });

  it("the live stream answers 404, with or without a resume point", async () => {
    const { bin, requestId } = await binWithCapture();
    // A capture id as the resume point is looked up in the bin: only for a caller who may read it.
    const resumePoints = [{}, { after: "0" }, { lastEventId: "1" }, { lastEventId: requestId }, { after: requestId }];
    for (const headers of [{ Authorization: "" }, { Authorization: `Bearer ${(await createBin(baseUrl)).token}` }]) {
      for (const resumePoint of resumePoints) {
        const stream = await openStream(baseUrl, bin.id, { headers, ...resumePoint });
        try {
          expect(stream.status, JSON.stringify(resumePoint)).toBe(404);
        } finally {
          stream.close();
        }
      }
    }
    const owner = await openStream(baseUrl, bin.id, { after: "0" });
    try {
      expect(owner.status).toBe(200);
      await owner.waitForEvents("request", 1);
    } finally {
      owner.close();
    }
  });

  it("the bin's page is the not-found page, and a page by alias never reveals the id", async () => {
    const bin = await createBin(baseUrl);
    expect((await patchBin(baseUrl, bin.id, { alias: "team-stripe" })).status).toBe(200);
    for (const path of [`/bins/${bin.id}`, "/bins/team-stripe"]) {
      const page = await request(baseUrl, { path });
      expect(page.status, path).toBe(404);
      expect(page.headers.location).toBeUndefined();
      expect(page.body.toString()).toContain("Nothing here");
      expect(page.body.toString()).not.toContain(`/b/${bin.id}`);
    }
    expect((await request(baseUrl, { path: "/bins/team-stripe" })).body.toString()).not.toContain(bin.id);
    // The capture URL still captures, under the alias too.
    expect((await capture(baseUrl, "team-stripe", { body: "{}" })).status).toBe(200);
  });
});

describe("the owner's token", () => {
  it("opens everything by Bearer, and the browser that made the bin gets it as path-scoped HttpOnly cookies", async () => {
    const response = await fetch(`${baseUrl}/api/bins`, { method: "POST" });
    const bin = (await response.json()) as CreatedBin;
    const cookies = response.headers.getSetCookie();
    expect(cookies).toHaveLength(2);
    expect(cookies[0]).toBe(`hookyard_bin=${bin.token}; Path=/bins/${bin.id}; Max-Age=34560000; HttpOnly; SameSite=Lax`);
    expect(cookies[1]).toBe(`hookyard_bin=${bin.token}; Path=/api/bins/${bin.id}; Max-Age=34560000; HttpOnly; SameSite=Strict`);
    // Neither path covers /b/: a browser never sends the token to a capture URL.
    expect(cookies.some((cookie) => / Path=\/b[/;]/.test(cookie))).toBe(false);

    const viaCookie = await api(baseUrl, `/api/bins/${bin.id}`, { headers: { Authorization: "", Cookie: `hookyard_bin=${bin.token}` } });
    expect(viaCookie.status).toBe(200);
    const page = await request(baseUrl, { path: `/bins/${bin.id}`, headers: { Cookie: `hookyard_bin=${bin.token}` } });
    expect(page.status).toBe(200);
    expect(page.body.toString()).toContain(`/b/${bin.id}`);
    // The token itself is never written into the page.
    expect(page.body.toString()).not.toContain(bin.token);
  });

  it("with the cookie, a change must come from the dashboard itself and carry a JSON body", async () => {
    const bin = await createBin(baseUrl);
    const cookie = { Authorization: "", Cookie: `hookyard_bin=${bin.token}` };
    const json = { "Content-Type": "application/json" };
    const body = JSON.stringify({ alias: "from-a-form" });
    const crossSites: Record<string, string>[] = [
      { Origin: "http://evil.example" },
      { "Sec-Fetch-Site": "cross-site" },
      { "Sec-Fetch-Site": "same-site", Origin: "http://sub.hooks.example" },
      { Origin: "null" },
    ];
    for (const crossSite of crossSites) {
      const answer = await api(baseUrl, `/api/bins/${bin.id}`, { method: "PATCH", headers: { ...cookie, ...json, ...crossSite }, body });
      expect(answer.status, JSON.stringify(crossSite)).toBe(403);
      expect(answer.json).toMatchObject({ error: "forbidden" });
      const deleted = await api(baseUrl, `/api/bins/${bin.id}`, { method: "DELETE", headers: { ...cookie, ...crossSite } });
      expect(deleted.status).toBe(403);
    }
    // What a cross-site form can send without asking: text/plain. Refused before parsing.
    const plain = await api(baseUrl, `/api/bins/${bin.id}`, { method: "PATCH", headers: { ...cookie, "Content-Type": "text/plain" }, body });
    expect(plain.status).toBe(415);
    expect(plain.json).toMatchObject({ error: "unsupported_media_type" });
    expect((await api(baseUrl, `/api/bins/${bin.id}`)).json).toMatchObject({ alias: null });

    const sameOrigin = await api(baseUrl, `/api/bins/${bin.id}`, {
      method: "PATCH",
      headers: { ...cookie, ...json, Origin: baseUrl, "Sec-Fetch-Site": "same-origin" },
      body,
    });
    expect(sameOrigin.status).toBe(200);
    expect(sameOrigin.json).toMatchObject({ alias: "from-a-form", role: "owner" });
  });
});

describe("links", () => {
  it("a read-only link reads captures and the stream, sees no secrets, and changes, forwards or mints nothing", async () => {
    const { bin, requestId } = await binWithCapture();
    expect(
      (
        await patchBin(baseUrl, bin.id, {
          signature: { provider: "github", secrets: ["gh-secret-value-1234"] },
          forward: { url: "http://127.0.0.1:9/hook?key=target-secret" },
        })
      ).status,
    ).toBe(200);
    const minted = await api(baseUrl, `/api/bins/${bin.id}/links`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ role: "viewer", label: "for QA" }),
    });
    expect(minted.status).toBe(201);
    const link = minted.json as { id: string; token: string; url: string; role: string };
    expect(link).toMatchObject({ role: "viewer", kind: "link", label: "for QA", expiresAt: null });
    expect(link.url).toBe(`${baseUrl}/open#${link.token}`);
    const viewer = { Authorization: `Bearer ${link.token}` };

    const shown = await api(baseUrl, `/api/bins/${bin.id}`, { headers: viewer });
    expect(shown.status).toBe(200);
    expect(shown.json).toMatchObject({ role: "viewer", forward: null, signature: { provider: "github", secretHints: [] } });
    expect(shown.text).not.toContain("target-secret");
    expect((await api(baseUrl, `/api/bins/${bin.id}/requests`, { headers: viewer })).status).toBe(200);
    expect((await api(baseUrl, `/api/bins/${bin.id}/requests/${requestId}`, { headers: viewer })).status).toBe(200);
    expect((await request(baseUrl, { path: `/api/bins/${bin.id}/requests/${requestId}/raw`, headers: viewer })).body.toString()).toBe("secret payload");
    const stream = await openStream(baseUrl, bin.id, { headers: viewer, after: "0" });
    try {
      expect(stream.status).toBe(200);
      await stream.waitForEvents("request", 1);
    } finally {
      stream.close();
    }

    const reads = new Set([
      `GET /api/bins/${bin.id}`,
      `GET /api/bins/${bin.id}/requests`,
      `GET /api/bins/${bin.id}/requests/${requestId}`,
      `GET /api/bins/${bin.id}/requests/${requestId}/raw`,
    ]);
    for (const route of binRoutes(bin.id, requestId).filter((route) => !reads.has(`${route.method} ${route.path}`))) {
      const answer = await call(route, viewer);
      expect(answer.status, `${route.method} ${route.path}`).toBe(403);
      expect(answer.json).toMatchObject({ error: "forbidden" });
    }
    expect((await api(baseUrl, `/api/bins/${bin.id}`)).json).toMatchObject({ requestCount: 1, alias: null });

    // Revoked: refused at once, like any wrong token.
    expect((await api(baseUrl, `/api/bins/${bin.id}/links/${link.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await api(baseUrl, `/api/bins/${bin.id}`, { headers: viewer })).status).toBe(404);
    expect((await api(baseUrl, `/api/bins/${bin.id}/links/${link.id}`, { method: "DELETE" })).status).toBe(404);
  });

  it("the bin's page holds no secret of the bin's settings for a viewer, as the API does not; the owner's page does", async () => {
    const bin = await createBin(baseUrl);
    const patched = await patchBin(baseUrl, bin.id, {
      signature: { provider: "github", secrets: ["gh-secret-value-1234"] },
      forward: { url: `${target.baseUrl}/hook?key=target-secret` },
      response: { status: 202, headers: [["X-Template", "response-template-marker"]], body: "response-template-marker {{request.id}}" },
      rules: [{ method: "POST", path: { mode: "exact", value: "/rule" }, response: { status: 500, body: "rule-template-marker" } }],
    });
    expect(patched.status, patched.text).toBe(200);
    const hint = (patched.json as BinDto).signature!.secretHints[0]!;
    expect(hint.length).toBeGreaterThan(3);
    const viewer = await mintLink(bin.id, { role: "viewer" });
    const secrets = ["target-secret", hint, "response-template-marker", "rule-template-marker"];

    const page = await request(baseUrl, { path: `/bins/${bin.id}`, headers: { Cookie: `hookyard_bin=${viewer.token}` } });
    expect(page.status).toBe(200);
    const html = page.body.toString();
    expect(html).toContain("Read-only: opened with a share link");
    for (const secret of secrets) expect(html, secret).not.toContain(secret);

    const dto = await api(baseUrl, `/api/bins/${bin.id}`, { headers: { Authorization: `Bearer ${viewer.token}` } });
    expect(dto.json).toMatchObject({
      role: "viewer",
      signature: { provider: "github", secretHints: [], options: {} },
      forward: null,
      response: null,
      rules: [],
    });
    for (const secret of secrets) expect(dto.text, secret).not.toContain(secret);

    // The owner's page carries them, for its settings panels: the test above looks in the right place.
    const owner = (await request(baseUrl, { path: `/bins/${bin.id}`, headers: { Cookie: `hookyard_bin=${bin.token}` } })).body.toString();
    for (const secret of secrets) expect(owner, secret).toContain(secret);
  });

  it("a viewer's live stream carries the captures but not the forward attempts, which the owner's does", async () => {
    const bin = await createBin(baseUrl);
    expect((await patchBin(baseUrl, bin.id, { forward: { url: `${target.baseUrl}/forwarded?key=target-secret`, enabled: true } })).status).toBe(200);
    const viewer = await mintLink(bin.id);
    const ownerStream = await openStream(baseUrl, bin.id);
    const viewerStream = await openStream(baseUrl, bin.id, { headers: { Authorization: `Bearer ${viewer.token}` } });
    try {
      const first = await captureOk(baseUrl, bin.id, { body: "one", headers: { Authorization: "Bearer captured-credential" } });
      const [attempt] = await ownerStream.waitForEvents("forward-attempt", 1, 10_000);
      expect(attempt!.data).toContain("target-secret");
      // Published after the attempt: once the viewer has this one, it had its chance at the attempt.
      const second = await captureOk(baseUrl, bin.id, { body: "two" });
      await viewerStream.waitFor(captureEvent(second), 5_000);
      expect(viewerStream.events().map((event) => [event.event, event.id])).toEqual([
        ["ready", undefined],
        ["request", "1"],
        ["request", "2"],
      ]);
      expect(requestIds(viewerStream.events())).toEqual([first, second]);
      const seen = JSON.stringify(viewerStream.messages);
      expect(seen).not.toContain("target-secret");
      expect(seen).not.toContain("captured-credential");
      expect(ownerStream.events().map((event) => event.event)).toContain("request");
    } finally {
      ownerStream.close();
      viewerStream.close();
    }
  });

  it("revoking a link ends the streams opened with it at once; the owner's goes on", async () => {
    const bin = await createBin(baseUrl);
    const link = await mintLink(bin.id);
    const ownerStream = await openStream(baseUrl, bin.id);
    const viewerStream = await openStream(baseUrl, bin.id, { headers: { Authorization: `Bearer ${link.token}` } });
    try {
      expect(viewerStream.status).toBe(200);
      expect((await api(baseUrl, `/api/bins/${bin.id}/links/${link.id}`, { method: "DELETE" })).status).toBe(204);
      const after = await captureOk(baseUrl, bin.id, { body: "after the revocation" });
      await within(viewerStream.ended, 3_000, "the revoked link's stream should have closed");
      await ownerStream.waitFor(captureEvent(after), 5_000);
      expect(viewerStream.events().map((event) => event.event)).toEqual(["ready"]);
      // Nothing of the revocation reaches the owner's stream either.
      expect(JSON.stringify(ownerStream.messages)).not.toContain(link.id);
      // And a new one is refused like any wrong token.
      const again = await openStream(baseUrl, bin.id, { headers: { Authorization: `Bearer ${link.token}` } });
      again.close();
      expect(again.status).toBe(404);
    } finally {
      ownerStream.close();
      viewerStream.close();
    }
  });

  it("a link minted with an expiring owner link expires with it at the latest", async () => {
    const bin = await createBin(baseUrl);
    const ownerLink = await mintLink(bin.id, { role: "owner", expiresInSeconds: 3600 });
    expect(ownerLink.expiresAt).not.toBeNull();
    expect((await mintLink(bin.id, { role: "viewer" }, ownerLink.token)).expiresAt).toBe(ownerLink.expiresAt);
    expect((await mintLink(bin.id, { role: "owner", expiresInSeconds: 7200 }, ownerLink.token)).expiresAt).toBe(ownerLink.expiresAt);
    const shorter = await mintLink(bin.id, { expiresInSeconds: 60 }, ownerLink.token);
    expect(shorter.expiresAt!).toBeLessThan(ownerLink.expiresAt!);
    // The creator's token does not expire, and neither do the links it mints.
    expect((await mintLink(bin.id)).expiresAt).toBeNull();
  });

  it("lists links without their tokens, opens a session from a link's token, and refuses links for nothing", async () => {
    const bin = await createBin(baseUrl);
    const minted = (
      await api(baseUrl, `/api/bins/${bin.id}/links`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ role: "owner", expiresInSeconds: 3600 }),
      })
    ).json as { id: string; token: string; expiresAt: number };
    expect(minted.expiresAt).toBeGreaterThan(Date.now() + 3_500_000);
    const listed = await api(baseUrl, `/api/bins/${bin.id}/links`);
    expect((listed.json as { links: { kind: string }[] }).links.map((link) => link.kind).sort()).toEqual(["creator", "link"]);
    expect(listed.text).not.toContain(minted.token);
    expect(listed.text).not.toContain(bin.token);

    const session = await fetch(`${baseUrl}/api/session`, { method: "POST", headers: { Authorization: `Bearer ${minted.token}` } });
    expect(session.status).toBe(200);
    expect(await session.json()).toEqual({ binId: bin.id, role: "owner" });
    const cookies = session.headers.getSetCookie();
    expect(cookies[0]).toMatch(new RegExp(`^hookyard_bin=${minted.token}; Path=/bins/${bin.id}; Max-Age=(359\\d|3600); HttpOnly; SameSite=Lax$`));

    const bad = await fetch(`${baseUrl}/api/session`, { method: "POST", headers: { Authorization: "Bearer hyk_nothing-at-all-0000000000000000000000000000" } });
    expect(bad.status).toBe(404);
    expect(bad.headers.getSetCookie()).toEqual([]);
    for (const input of [{ role: "admin" }, { expiresInSeconds: 5 }, { expiresInSeconds: 10 ** 9 }, { label: "x".repeat(101) }]) {
      expect(
        (await api(baseUrl, `/api/bins/${bin.id}/links`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(input) }))
          .status,
        JSON.stringify(input),
      ).toBe(422);
    }
  });
});

describe("guessing", () => {
  it("tokens that open nothing are limited per client; requests without one, and captures, are not counted", async () => {
    const limited = await startTestServer({ env: { AUTH_FAILURES_PER_MINUTE: "5" } });
    try {
      const bin = await createBin(limited.baseUrl);
      expect((await patchBin(limited.baseUrl, bin.id, { alias: "guess-me" })).status).toBe(200);
      // Without a token every bin answers the same 404, real or not: nothing to guess, nothing counted,
      // so no page elsewhere can spend a visitor's allowance (it cannot attach a token).
      for (let i = 0; i < 10; i++) expect((await api(limited.baseUrl, `/api/bins/${bin.id}`, { headers: { Authorization: "" } })).status).toBe(404);
      // Nor are captures to names that do not exist: pointing a sender at one must not get it refused elsewhere.
      for (let i = 0; i < 10; i++) expect((await capture(limited.baseUrl, `no-such-alias-${i}`)).status).toBe(404);
      expect((await api(limited.baseUrl, `/api/bins/${bin.id}`)).status).toBe(200);

      const wrong = { Authorization: "Bearer hyk_wrong-wrong-wrong-wrong-wrong-wrong-wrong00" };
      for (let i = 0; i < 4; i++) expect((await api(limited.baseUrl, `/api/bins/${bin.id}`, { headers: wrong })).status).toBe(404);
      expect((await fetch(`${limited.baseUrl}/api/session`, { method: "POST", headers: wrong })).status).toBe(404);
      const refused = await api(limited.baseUrl, `/api/bins/${bin.id}`, { headers: wrong });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      // From this address any token now waits before it is looked up, so guessing goes no faster.
      expect((await api(limited.baseUrl, `/api/bins/${bin.id}`)).status).toBe(429);
      expect((await fetch(`${limited.baseUrl}/api/session`, { method: "POST", headers: wrong })).status).toBe(429);
      // Captures go on, by id and by name.
      expect((await capture(limited.baseUrl, bin.id)).status).toBe(200);
      expect((await capture(limited.baseUrl, "guess-me")).status).toBe(200);
    } finally {
      await limited.dispose();
    }
  }, 60_000);
});

describe("calls without a token", () => {
  it("making a bin or opening a link cannot be done by another site through a visitor's browser", async () => {
    const crossSites: Record<string, string>[] = [{ "Sec-Fetch-Site": "cross-site" }, { Origin: "http://evil.example" }];
    for (const crossSite of crossSites) {
      const made = await fetch(`${baseUrl}/api/bins`, { method: "POST", headers: crossSite });
      expect(made.status, JSON.stringify(crossSite)).toBe(403);
      expect(made.headers.getSetCookie()).toEqual([]);
    }
    const bin = await createBin(baseUrl);
    const opened = await fetch(`${baseUrl}/api/session`, { method: "POST", headers: { Authorization: `Bearer ${bin.token}`, "Sec-Fetch-Site": "cross-site" } });
    expect(opened.status).toBe(403);
    expect(opened.headers.getSetCookie()).toEqual([]);
    // The dashboard itself, and clients that are not browsers, may.
    expect((await fetch(`${baseUrl}/api/bins`, { method: "POST", headers: { "Sec-Fetch-Site": "same-origin", Origin: baseUrl } })).status).toBe(201);
    expect((await fetch(`${baseUrl}/api/session`, { method: "POST", headers: { Authorization: `Bearer ${bin.token}` } })).status).toBe(200);
  });

  it("answers of a bin's API are never kept by a shared cache", async () => {
    const bin = await createBin(baseUrl);
    for (const path of [`/api/bins/${bin.id}`, `/api/bins/${bin.id}/requests`, `/api/bins/${missingBin}`]) {
      const answer = await api(baseUrl, path);
      expect(answer.headers.get("cache-control"), path).toMatch(/no-store/);
      expect(answer.headers.get("vary"), path).toMatch(/Authorization, Cookie/);
    }
  });
});

describe("declared bins", () => {
  it("open with the token from configuration, and without one only capture", async () => {
    const token = "declared-owner-token-0123456789";
    const declared = [{ id: "Decl0Bin0With0Token000", token }, { id: "Decl0Bin0No0Token00000" }];
    const configured = await startTestServer({ env: { HOOKYARD_BINS: JSON.stringify(declared) } });
    try {
      const withToken = await api(configured.baseUrl, "/api/bins/Decl0Bin0With0Token000", { headers: { Authorization: `Bearer ${token}` } });
      expect(withToken.status).toBe(200);
      expect((withToken.json as BinDto).role).toBe("owner");
      expect((await api(configured.baseUrl, "/api/bins/Decl0Bin0No0Token00000", { headers: { Authorization: `Bearer ${token}` } })).status).toBe(404);
      expect((await capture(configured.baseUrl, "Decl0Bin0No0Token00000")).status).toBe(200);
      // The configured token survives a restart, and replaces nothing else's.
      await configured.restart();
      expect((await api(configured.baseUrl, "/api/bins/Decl0Bin0With0Token000", { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    } finally {
      await configured.dispose();
    }
  }, 120_000);
});
