import { describe, expect, it } from "vitest";
import {
  chooseResponse,
  globMatches,
  matchingRuleIndex,
  pathMatches,
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
    expect(matchingRuleIndex(valued, request({ headers: [["x-event", "a"], ["X-Event", "charge.failed"]] }))).toBe(0);
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

  it("is substitution only: inserted values are never expanded again", () => {
    const hostile = request({ query: "q=%7B%7Brequest.ip%7D%7D" });
    expect(renderBody("{{request.query.q}}", hostile)).toBe("{{request.ip}}");
    expect(renderBody("echo: {{request.body}}", request({ body: "hi" }))).toBe("echo: hi");
    expect(renderBody("no placeholders", request())).toBe("no placeholders");
  });
});
