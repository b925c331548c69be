import { describe, expect, it } from "vitest";
import {
  answerLabel,
  chooseAnswer,
  chooseResponse,
  globMatches,
  headerRefusal,
  matchingRuleIndex,
  maxRenderedBodyBytes,
  pathMatches,
  RenderLimitError,
  renderBody,
  type RequestFacts,
  type ResponseRule,
} from "@/lib/responses";

const request = (overrides: Partial<RequestFacts> = {}): RequestFacts => ({
  id: "01KAAAAAAAAAAAAAAAAAAAAAAA",
  method: "POST",
  path: "/stripe/webhook",
  query: "attempt=2&name=a%20b",
  headers: [
    ["Content-Type", "application/json"],
    ["X-Event", "invoice.paid"],
  ],
  body: JSON.stringify({ type: "invoice.paid", data: { object: { id: "in_1", amount: 42, tags: ["x"] } } }),
  ip: "127.0.0.1",
  receivedAt: 1_700_000_000_000,
  ...overrides,
});

const answer = (status: number) => ({ status, headers: [], body: String(status), delayMs: 0 });
const rule = (fields: Partial<ResponseRule>, status: number): ResponseRule => ({
  method: "ANY",
  path: null,
  header: null,
  json: null,
  ...fields,
  response: answer(status),
});

describe("chooseResponse", () => {
  it("answers the built-in (null) without a default or rules, the default when no rule matches", () => {
    expect(chooseResponse({ response: null, rules: [] }, request())).toBeNull();
    expect(chooseResponse({ response: answer(202), rules: [rule({ method: "GET" }, 500)] }, request())?.status).toBe(202);
  });

  it("says what chose the answer: the built-in, the default, or the matching rule by its 1-based place", () => {
    const rules = [rule({ method: "GET" }, 404), rule({ path: { mode: "exact", value: "/stripe/webhook" } }, 500), rule({}, 201)];
    expect(chooseAnswer({ response: null, rules: [] }, request())).toEqual({ by: "built-in", spec: null, rule: null });
    expect(chooseAnswer({ response: answer(202), rules: [rule({ method: "GET" }, 500)] }, request())).toEqual({ by: "default", spec: answer(202), rule: null });
    expect(chooseAnswer({ response: answer(202), rules }, request())).toEqual({ by: "rule", spec: answer(500), rule: 2 });
    expect(chooseAnswer({ response: null, rules }, request({ method: "GET" }))).toMatchObject({ by: "rule", rule: 1 });
    expect(chooseAnswer({ response: null, rules }, request({ path: "/other" }))).toMatchObject({ by: "rule", rule: 3, spec: { status: 201 } });
    // No rule matches and no default: the built-in answer, not a rule.
    expect(chooseAnswer({ response: null, rules: [rule({ method: "GET" }, 404)] }, request())).toEqual({ by: "built-in", spec: null, rule: null });
  });

  it("takes the first matching rule in order", () => {
    const rules = [rule({ method: "GET" }, 404), rule({ path: { mode: "exact", value: "/stripe/webhook" } }, 500), rule({}, 201)];
    expect(chooseResponse({ response: null, rules }, request())?.status).toBe(500);
    expect(matchingRuleIndex(rules, request({ path: "/other" }))).toBe(2);
    expect(matchingRuleIndex(rules, request({ method: "GET", path: "/stripe/webhook" }))).toBe(0);
  });

  it("matches a header by presence or value, case-insensitively by name, any occurrence", () => {
    const present = [rule({ header: { name: "x-event", value: null } }, 500)];
    const valued = [rule({ header: { name: "X-EVENT", value: "charge.failed" } }, 500)];
    expect(matchingRuleIndex(present, request())).toBe(0);
    expect(matchingRuleIndex(present, request({ headers: [] }))).toBe(-1);
    expect(matchingRuleIndex(valued, request())).toBe(-1);
    expect(
      matchingRuleIndex(
        valued,
        request({
          headers: [
            ["x-event", "a"],
            ["X-Event", "charge.failed"],
          ],
        }),
      ),
    ).toBe(0);
  });

  it("matches a JSON field by dotted path and strict equality", () => {
    const byType = [rule({ json: { path: "type", equals: "invoice.paid" } }, 500)];
    expect(matchingRuleIndex(byType, request())).toBe(0);
    expect(matchingRuleIndex([rule({ json: { path: "data.object.amount", equals: 42 } }, 500)], request())).toBe(0);
    expect(matchingRuleIndex([rule({ json: { path: "data.object.amount", equals: "42" } }, 500)], request())).toBe(-1);
    expect(matchingRuleIndex([rule({ json: { path: "data.object.tags.0", equals: "x" } }, 500)], request())).toBe(0);
    expect(matchingRuleIndex([rule({ json: { path: "data.missing", equals: null } }, 500)], request())).toBe(-1);
    expect(matchingRuleIndex(byType, request({ body: "not json" }))).toBe(-1);
    expect(matchingRuleIndex(byType, request({ body: new TextEncoder().encode('{"type":"invoice.paid"}') }))).toBe(0);
    expect(matchingRuleIndex([rule({ json: { path: "constructor", equals: null } }, 500)], request({ body: "{}" }))).toBe(-1);
  });
});

describe("pathMatches", () => {
  it("exact, with the bare bin URL as / and a leading slash added to patterns", () => {
    expect(pathMatches({ mode: "exact", value: "/fail" }, "/fail")).toBe(true);
    expect(pathMatches({ mode: "exact", value: "fail" }, "/fail")).toBe(true);
    expect(pathMatches({ mode: "exact", value: "/fail" }, "/fail/")).toBe(false);
    expect(pathMatches({ mode: "exact", value: "/" }, "")).toBe(true);
  });

  it("prefix by whole segments", () => {
    const api = { mode: "prefix", value: "/api" } as const;
    expect(pathMatches(api, "/api")).toBe(true);
    expect(pathMatches(api, "/api/v1/x")).toBe(true);
    expect(pathMatches(api, "/apix")).toBe(false);
    expect(pathMatches({ mode: "prefix", value: "/api/" }, "/api/v1")).toBe(true);
    expect(pathMatches({ mode: "prefix", value: "/" }, "")).toBe(true);
  });

  it("glob: * within a segment, ** across, ? one character, the rest literal", () => {
    expect(globMatches("/hooks/*/fail", "/hooks/a/fail")).toBe(true);
    expect(globMatches("/hooks/*/fail", "/hooks/a/b/fail")).toBe(false);
    expect(globMatches("/hooks/**/fail", "/hooks/a/b/fail")).toBe(true);
    expect(globMatches("/hooks/**", "/hooks/a/b")).toBe(true);
    expect(globMatches("/v?", "/v1")).toBe(true);
    expect(globMatches("/v?", "/v/")).toBe(false);
    expect(globMatches("/a.b+(c)", "/a.b+(c)")).toBe(true);
    expect(globMatches("/a.b", "/axb")).toBe(false);
    expect(globMatches("*", "")).toBe(true);
  });

  it("stays linear-ish on a hostile path and pattern", () => {
    const pattern = `/${"*a".repeat(100)}b`;
    expect(globMatches(pattern, `/${"a".repeat(10_000)}`)).toBe(false);
  });

  it("is linear in the path: 50 of the worst globs against the longest path Node accepts take well under a second", () => {
    // Every position of the pattern stays alive over the whole path: the worst case for
    // any matcher, and pattern × path steps (≈ 2 s here) for the old one.
    const path = `/${"a".repeat(16 * 1024)}b`;
    const patterns = [`/${"*a".repeat(127)}`, `/${"**a".repeat(85)}`, `/${"?*".repeat(127)}c`];
    const started = performance.now();
    for (let i = 0; i < 50; i++) for (const pattern of patterns) expect(globMatches(pattern, path)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(globMatches(`/${"*a".repeat(127)}`, `/${"a".repeat(16 * 1024)}`)).toBe(true);
  });

  it("agrees with a reference matcher across word boundaries of the automaton", () => {
    // A regex is a fine reference on short inputs, where backtracking costs nothing.
    const reference = (pattern: string, text: string) =>
      new RegExp(
        `^${pattern
          .replace(/\*{2,}/g, "\u0000")
          .replace(/[.+^${}()|[\]\\]/g, "\\$&")
          .replace(/\*/g, "[^/]*")
          .replace(/\?/g, "[^/]")
          // eslint-disable-next-line no-control-regex -- NUL stands in for "**" above: no pattern contains it
          .replace(/\u0000/g, ".*")}$`,
        "s",
      ).test(text);
    let seed = 42;
    const pick = <T>(items: readonly T[]) => items[(seed = (seed * 1103515245 + 12345) & 0x7fffffff) % items.length]!;
    for (let i = 0; i < 3_000; i++) {
      const pattern = Array.from({ length: 20 + (i % 60) }, () => pick(["a", "b", "/", "*", "?", "**"])).join("");
      const text = Array.from({ length: i % 90 }, () => pick(["a", "b", "/"])).join("");
      expect(globMatches(pattern, text), `${pattern} ~ ${text}`).toBe(reference(pattern, text));
    }
  });
});

describe("renderBody", () => {
  it("fills known placeholders, empties missing values, keeps unknown ones", () => {
    const template =
      "{{request.id}} {{ request.method }} {{request.path}} {{request.query}} {{request.query.name}} {{request.query.nope}}|" +
      "{{request.header.x-event}} {{request.header.nope}}|{{request.json.data.object.id}} {{request.json.data.object.amount}} " +
      "{{request.json.data.object.tags}} {{request.json.nope}}|{{request.ip}} {{request.receivedAt}} {{request.secret}} {{process.env}}";
    expect(renderBody(template, request())).toBe(
      "01KAAAAAAAAAAAAAAAAAAAAAAA POST /stripe/webhook attempt=2&name=a%20b a b |invoice.paid |in_1 42 " +
        '["x"] |127.0.0.1 1700000000000 {{request.secret}} {{process.env}}',
    );
  });

  it("stops at the rendered-body cap instead of building what a repeated placeholder asks for", () => {
    const body = "x".repeat(64 * 1024);
    const template = "{{request.body}}".repeat(4_000); // 64 KiB of template, 256 MiB if rendered
    const started = performance.now();
    expect(() => renderBody(template, request({ body }))).toThrow(RenderLimitError);
    expect(performance.now() - started).toBeLessThan(500);
    expect(() => renderBody(template, request({ body }))).toThrow(/more than 1 MiB \(the rendered-body cap\)/);
    // Up to the cap is fine; UTF-8 bytes are what count.
    expect(renderBody("{{request.body}}".repeat(16), request({ body })).length).toBe(maxRenderedBodyBytes);
    expect(() => renderBody("é{{request.body}}", request({ body: "é".repeat(maxRenderedBodyBytes / 2) }))).toThrow(RenderLimitError);
    expect(renderBody("{{request.body}}", request({ body: "é".repeat(maxRenderedBodyBytes / 2) })).length).toBe(maxRenderedBodyBytes / 2);
  });

  it("answers thousands of header and query placeholders from one pass over the request", () => {
    const headers: [string, string][] = Array.from({ length: 2_000 }, (_, i) => [`X-H${i}`, String(i)]);
    const query = Array.from({ length: 2_000 }, (_, i) => `q${i}=${i}`).join("&");
    const template = "{{request.header.x-h1999}}{{request.query.q1999}}".repeat(1_300);
    const started = performance.now();
    expect(renderBody(template, request({ headers, query }))).toBe("19991999".repeat(1_300));
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("is substitution only: inserted values are never expanded again", () => {
    const hostile = request({ query: "q=%7B%7Brequest.ip%7D%7D" });
    expect(renderBody("{{request.query.q}}", hostile)).toBe("{{request.ip}}");
    expect(renderBody("echo: {{request.body}}", request({ body: "hi" }))).toBe("echo: hi");
    expect(renderBody("no placeholders", request())).toBe("no placeholders");
  });
});

describe("headerRefusal", () => {
  const refused = (name: string, value = "x") => headerRefusal(name, value, "dashboard");

  it("never lets a response set the framing or hop-by-hop headers Hookyard writes itself", () => {
    for (const name of ["Content-Length", "transfer-encoding", "Connection", "Keep-Alive", "Upgrade", "Trailer", "TE", "Proxy-Connection"]) {
      expect(headerRefusal(name, "1", "dashboard"), name).toMatch(/set by Hookyard itself/);
      expect(headerRefusal(name, "1", "capture"), name).toMatch(/set by Hookyard itself/);
    }
  });

  it("refuses on the dashboard's origin what a browser applies to the origin or beyond the answer", () => {
    for (const name of [
      "Set-Cookie",
      "set-cookie2",
      "Clear-Site-Data",
      "Refresh",
      "Strict-Transport-Security",
      "WWW-Authenticate",
      "Content-Security-Policy",
      "Content-Security-Policy-Report-Only",
      "Report-To",
      "NEL",
      "Access-Control-Allow-Credentials",
      "Access-Control-Allow-Private-Network",
      "Link",
      "Service-Worker-Allowed",
      "Origin-Agent-Cluster",
      "Permissions-Policy",
      "Alt-Svc",
    ]) {
      expect(refused(name), name).toMatch(new RegExp(`^${name} would act on the dashboard's origin.*CAPTURE_URL`));
      expect(headerRefusal(name, "x", "capture"), name).toBeNull();
    }
    for (const name of ["Content-Type", "Retry-After", "X-Custom", "Access-Control-Allow-Origin", "Access-Control-Allow-Headers", "Cache-Control"]) {
      expect(refused(name), name).toBeNull();
    }
  });

  it("lets a redirect on the dashboard's origin point only among capture URLs", () => {
    for (const value of ["/b/abc/next", "/b/abc?x=1", "/b/abc/a.b/c"]) expect(refused("Location", value), value).toBeNull();
    for (const value of [
      "https://evil.example/",
      "//evil.example/x",
      "/\\evil.example",
      "/api/bins/x",
      "/bins/x",
      "/b/../api/bins/x",
      "/b/x/%2e%2e/%2E%2e/api",
      "/b/x/\\..\\api",
      "/b/x/\t../api",
      "b/x",
      "",
    ]) {
      expect(refused("Location", value), value).toMatch(/must be a path under \/b\//);
    }
    expect(headerRefusal("Location", "https://elsewhere.example/", "capture")).toBeNull();
  });

  it("keeps even the capture origin's cookies on its own host", () => {
    expect(headerRefusal("Set-Cookie", "a=1; Path=/; HttpOnly", "capture")).toBeNull();
    expect(headerRefusal("Set-Cookie", "a=1; Path=/; domain=example.com", "capture")).toMatch(/Domain attribute/);
  });
});

describe("answerLabel", () => {
  it("names what answered a capture, as the detail shows it", () => {
    expect(answerLabel({ status: 201, by: "rule", rule: 2 })).toBe("201 · rule 2");
    expect(answerLabel({ status: 200, by: "built-in", rule: null })).toBe("200 · built-in");
    expect(answerLabel({ status: 202, by: "default", rule: null })).toBe("202 · default response");
    expect(answerLabel({ status: 204, by: "preflight", rule: null })).toBe("204 · CORS preflight");
  });
});
