import http from "node:http";
import { describe, expect, it } from "vitest";
import { responseRuleSchema, responseSettingsProblems, responseSettingsSchema, responseSpecSchema } from "@/lib/validations/responses";

describe("bounds", () => {
  it("refuses globs over 256 characters (exact and prefix paths may be 512), and more than 16 KiB of headers", () => {
    const rule = (mode: string, value: string) => responseRuleSchema.safeParse({ path: { mode, value }, response: { status: 200 } });
    expect(rule("glob", `/${"*a".repeat(127)}x`).success).toBe(true);
    const long = rule("glob", `/${"*a".repeat(128)}`);
    expect(long.success).toBe(false);
    expect(long.error?.issues[0]).toMatchObject({ path: ["path", "value"], message: "a glob is at most 256 characters" });
    expect(rule("prefix", `/${"a".repeat(511)}`).success).toBe(true);
    const headers = (count: number) => Array.from({ length: count }, (_, i) => [`X-${i}`, "v".repeat(4000)]);
    expect(responseSpecSchema.safeParse({ status: 200, headers: headers(4) }).success).toBe(true);
    expect(responseSpecSchema.safeParse({ status: 200, headers: headers(5) }).error?.issues[0]?.message).toBe(
      "names and values together must be at most 16 KiB",
    );
  });

  it("names a forbidden header by where it is, and bounds a bin's settings in all", () => {
    const spec = (headers: [string, string][], body = "") => ({ status: 200, headers, body, delayMs: 0 });
    const rules = [{ method: "ANY", path: null, header: null, json: null, response: spec([["Clear-Site-Data", '"*"']]) }];
    expect(
      responseSettingsProblems(
        {
          response: spec([
            ["X-Ok", "1"],
            ["Set-Cookie", "a=1"],
          ]),
          rules,
        },
        "dashboard",
      ),
    ).toEqual([
      "response.headers.1: Set-Cookie would act on the dashboard's origin in the visitor's browser; it can be sent only from a separate capture origin (CAPTURE_URL)",
      "rules.0.response.headers.0: Clear-Site-Data would act on the dashboard's origin in the visitor's browser; it can be sent only from a separate capture origin (CAPTURE_URL)",
    ]);
    expect(responseSettingsProblems({ response: spec([["Set-Cookie", "a=1"]]), rules }, "capture")).toEqual([]);
    const big = Array.from({ length: 5 }, () => ({ ...rules[0]!, response: spec([], "x".repeat(60 * 1024)) }));
    expect(responseSettingsProblems({ response: null, rules: big }, "capture")).toEqual([
      expect.stringMatching(/^response and rules: \d+ bytes together, at most 256 KiB$/),
    ]);
  });
});

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
