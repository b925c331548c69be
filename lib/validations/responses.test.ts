import http from "node:http";
import { describe, expect, it } from "vitest";
import { responseRuleSchema, responseSettingsSchema, responseSpecSchema } from "@/lib/validations/responses";

describe("validation", () => {
  it("accepts a full settings document and fills defaults", () => {
    const parsed = responseSettingsSchema.parse({
      response: { status: 202 },
      rules: [{ method: "POST", path: { mode: "glob", value: "/x/**" }, response: { status: 500, body: "no", delayMs: 30_000 } }],
    });
    expect(parsed.response).toEqual({ status: 202, headers: [], body: "", delayMs: 0 });
    expect(parsed.rules[0]).toMatchObject({ method: "POST", header: null, json: null });
  });

  it("refuses statuses Node cannot send as a final answer, long delays and large bodies", () => {
    for (const status of [99, 100, 101, 199, 600, 1000, 200.5]) expect(responseSpecSchema.safeParse({ status }).success).toBe(false);
    for (const status of [200, 204, 304, 418, 599]) expect(responseSpecSchema.safeParse({ status }).success).toBe(true);
    expect(responseSpecSchema.safeParse({ status: 200, delayMs: 30_001 }).success).toBe(false);
    expect(responseSpecSchema.safeParse({ status: 200, delayMs: -1 }).success).toBe(false);
    expect(responseSpecSchema.safeParse({ status: 200, body: "é".repeat(32 * 1024 + 1) }).success).toBe(false);
  });

  it("judges header names and values exactly as Node does", () => {
    const names = ["X-Ok", "x_ok", "a!#$%&'*+.^`|~", "", "X Bad", "X:Bad", "Ünï", "x\u0000"];
    const values = ["plain", "tab\there", "obs\u00e9", "", "line\nbreak", "cr\rx", "nul\u0000", "del\u007f", "wide\u0100"];
    const nodeAccepts = (check: () => void) => {
      try {
        check();
        return true;
      } catch {
        return false;
      }
    };
    for (const name of names) {
      const ours = responseSpecSchema.safeParse({ status: 200, headers: [[name, "v"]] }).success;
      expect(ours, name).toBe(nodeAccepts(() => http.validateHeaderName(name)));
    }
    for (const value of values) {
      const ours = responseSpecSchema.safeParse({ status: 200, headers: [["X-V", value]] }).success;
      expect(ours, JSON.stringify(value)).toBe(nodeAccepts(() => http.validateHeaderValue("X-V", value)));
    }
  });

  it("refuses framing headers and malformed rules", () => {
    expect(responseSpecSchema.safeParse({ status: 200, headers: [["Content-Length", "1"]] }).success).toBe(false);
    expect(responseSpecSchema.safeParse({ status: 200, headers: [["transfer-encoding", "chunked"]] }).success).toBe(false);
    expect(responseRuleSchema.safeParse({ method: "post", response: { status: 200 } }).success).toBe(false);
    expect(responseRuleSchema.safeParse({ path: { mode: "regex", value: "/x" }, response: { status: 200 } }).success).toBe(false);
    expect(responseRuleSchema.safeParse({ json: { path: "a..b", equals: 1 }, response: { status: 200 } }).success).toBe(false);
    expect(responseRuleSchema.safeParse({ json: { path: "a", equals: { nested: 1 } }, response: { status: 200 } }).success).toBe(false);
    expect(responseRuleSchema.safeParse({ response: { status: 200 }, extra: 1 }).success).toBe(false);
    expect(responseSettingsSchema.safeParse({ rules: Array.from({ length: 51 }, () => ({ response: { status: 200 } })) }).success).toBe(false);
  });
});
