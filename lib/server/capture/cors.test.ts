import { describe, expect, it } from "vitest";
import { isPreflight, maxAllowHeadersLength, preflightHeaders, preflightMaxAgeSeconds } from "./cors.ts";

const origin = "http://localhost:4000";

describe("isPreflight", () => {
  it("is OPTIONS with Origin and Access-Control-Request-Method, as browsers send it", () => {
    expect(isPreflight("OPTIONS", { origin, "access-control-request-method": "PUT" })).toBe(true);
  });

  it.each([
    ["a plain OPTIONS (curl -X OPTIONS, a WebDAV client)", "OPTIONS", {}],
    ["OPTIONS with an Origin only", "OPTIONS", { origin }],
    ["OPTIONS naming a method but no Origin", "OPTIONS", { "access-control-request-method": "PUT" }],
    ["another method with both headers", "POST", { origin, "access-control-request-method": "PUT" }],
  ])("is not %s", (_label, method, headers) => {
    expect(isPreflight(method, headers)).toBe(false);
  });
});

describe("preflightHeaders", () => {
  it("allows any origin without credentials, the usual methods, the headers asked for, and says what it varies on", () => {
    expect(preflightHeaders({ origin, "access-control-request-method": "PUT", "access-control-request-headers": "content-type,x-custom" })).toEqual({
      "Access-Control-Allow-Origin": "*",
      "Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
      "Access-Control-Allow-Headers": "content-type,x-custom",
      "Access-Control-Max-Age": String(preflightMaxAgeSeconds),
      Vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
    });
  });

  it("never allows credentials", () => {
    const answer = preflightHeaders({ origin, "access-control-request-method": "POST" });
    expect(Object.keys(answer).map((name) => name.toLowerCase())).not.toContain("access-control-allow-credentials");
    expect(answer["Access-Control-Allow-Origin"]).toBe("*");
  });

  it("adds a method outside the usual ones when it is a method at all", () => {
    expect(preflightHeaders({ origin, "access-control-request-method": "PROPFIND" })["Access-Control-Allow-Methods"]).toMatch(/, PROPFIND$/);
    for (const odd of ["PUT\r\nX-Injected: 1", "a b", "X".repeat(65), ""]) {
      expect(preflightHeaders({ origin, "access-control-request-method": odd })["Access-Control-Allow-Methods"], JSON.stringify(odd)).toBe(
        "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
      );
    }
  });

  it("echoes a list of header names up to its bound, and allows none for anything else", () => {
    const names = (count: number) => Array.from({ length: count }, (_, i) => `x-h${i}`).join(", ");
    const fits = names(400)
      .slice(0, maxAllowHeadersLength)
      .replace(/,[^,]*$/, "");
    expect(fits.length).toBeLessThanOrEqual(maxAllowHeadersLength);
    expect(preflightHeaders({ origin, "access-control-request-method": "PUT", "access-control-request-headers": fits })["Access-Control-Allow-Headers"]).toBe(
      fits,
    );
    for (const refused of [names(800), "x-a, x b", "x-a\r\nSet-Cookie: a=1", "x-a,,x-b", ""]) {
      expect(
        preflightHeaders({ origin, "access-control-request-method": "PUT", "access-control-request-headers": refused }),
        refused.slice(0, 40),
      ).not.toHaveProperty("Access-Control-Allow-Headers");
    }
  });
});
