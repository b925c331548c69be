import { describe, expect, it } from "vitest";
import type { RequestFacts, ResponseRule, ResponseSpec } from "../../responses.ts";
import { prepareAnswer, preparePreflight } from "./responses.ts";

const request = (overrides: Partial<RequestFacts> = {}): RequestFacts => ({
  id: "01KAAAAAAAAAAAAAAAAAAAAAAA",
  method: "POST",
  path: "/hook",
  query: "",
  headers: [["Content-Type", "application/json"]],
  body: '{"type":"paid"}',
  ip: "127.0.0.1",
  receivedAt: 1_700_000_000_000,
  ...overrides,
});
const spec = (status: number, fields: Partial<ResponseSpec> = {}): ResponseSpec => ({ status, headers: [], body: "", delayMs: 0, ...fields });
const rule = (method: string, response: ResponseSpec): ResponseRule => ({ method, path: null, header: null, json: null, response });
const context = { origin: "dashboard" as const, cors: true };

describe("prepareAnswer records what the capture is answered, before it is stored", () => {
  it("the built-in answer, the default, or the rule by its 1-based place", () => {
    expect(prepareAnswer(request(), { response: null, rules: [] }, context).record).toEqual({ status: 200, by: "built-in", rule: null });
    expect(prepareAnswer(request(), { response: spec(202), rules: [rule("GET", spec(404))] }, context).record).toEqual({
      status: 202,
      by: "default",
      rule: null,
    });
    expect(prepareAnswer(request(), { response: spec(202), rules: [rule("GET", spec(404)), rule("POST", spec(201))] }, context).record).toEqual({
      status: 201,
      by: "rule",
      rule: 2,
    });
  });

  it("records the 500 that is sent when the chosen response cannot be rendered, still naming what chose it", () => {
    const huge = spec(200, { body: "{{request.body}}".repeat(100) });
    const body = "b".repeat(20_000); // 100 × 20 KB is past the 1 MiB render cap
    expect(prepareAnswer(request({ body }), { response: null, rules: [rule("ANY", huge)] }, context).record).toEqual({ status: 500, by: "rule", rule: 1 });
    // A header Node would refuse to send (a row saved under older rules): the 500 goes out, and is what is recorded.
    const unsendable = spec(201, { headers: [["X-Bad", "a\u0001b"]] });
    expect(prepareAnswer(request(), { response: unsendable, rules: [] }, context).record).toEqual({ status: 500, by: "default", rule: null });
  });

  it("records a CORS preflight as 204 by the preflight", () => {
    expect(preparePreflight("01KAAAAAAAAAAAAAAAAAAAAAAA", { origin: "http://localhost:4000", "access-control-request-method": "PUT" }).record).toEqual({
      status: 204,
      by: "preflight",
      rule: null,
    });
  });
});
