import { describe, expect, it } from "vitest";
import { z } from "zod";
import { base64ToBytes } from "./body";
import { captureFixture, samples } from "./capture-samples";
import { exactText, harBodyBytes, requestCookies, toHarEntry, toHarRequest } from "./har";

const encoder = new TextEncoder();

// Written from @types/har-format (HAR 1.2): what a HAR reader insists on.
const nameValue = z.object({ name: z.string(), value: z.string(), comment: z.string().optional() }).strict();
const harCookie = z.object({ name: z.string(), value: z.string() }).passthrough();
const harPostData = z.union([
  z.object({ mimeType: z.string(), text: z.string(), encoding: z.literal("base64").optional(), comment: z.string().optional() }).strict(),
  z.object({ mimeType: z.string(), params: z.array(z.object({ name: z.string(), value: z.string().optional() }).passthrough()) }).strict(),
]);
const harRequestSchema = z
  .object({
    method: z.string().min(1),
    url: z.string().url(),
    httpVersion: z.string(),
    cookies: z.array(harCookie),
    headers: z.array(nameValue),
    queryString: z.array(nameValue),
    postData: harPostData.optional(),
    headersSize: z.number().int().min(-1),
    bodySize: z.number().int().min(-1),
    comment: z.string().optional(),
  })
  .strict();
const harEntrySchema = z
  .object({
    startedDateTime: z.string().datetime({ offset: true }),
    time: z.number().min(0),
    request: harRequestSchema,
    response: z
      .object({
        status: z.number().int(),
        statusText: z.string(),
        httpVersion: z.string(),
        cookies: z.array(harCookie),
        headers: z.array(nameValue),
        content: z.object({ size: z.number(), mimeType: z.string(), text: z.string().optional(), encoding: z.string().optional() }),
        redirectURL: z.string(),
        headersSize: z.number().int().min(-1),
        bodySize: z.number().int().min(-1),
      })
      .strict(),
    cache: z.object({}).passthrough(),
    timings: z.object({ send: z.number().optional(), wait: z.number(), receive: z.number() }).passthrough(),
    comment: z.string().optional(),
  })
  // HAR allows custom fields, each named with a leading underscore, and nothing else.
  .catchall(z.unknown())
  .superRefine((entry, context) => {
    for (const key of Object.keys(entry)) {
      if (!["startedDateTime", "time", "request", "response", "cache", "timings", "comment"].includes(key) && !key.startsWith("_")) {
        context.addIssue({ code: "custom", message: `unknown field ${key}` });
      }
    }
  });

describe("toHarEntry", () => {
  it("passes HAR 1.2's structure for every kind of body", () => {
    for (const [kind, { contentType, body }] of Object.entries(samples)) {
      const entry = toHarEntry(captureFixture({ contentType }), body);
      const parsed = harEntrySchema.safeParse(JSON.parse(JSON.stringify(entry)));
      expect(parsed.success, `${kind}: ${parsed.error?.message}`).toBe(true);
    }
    expect(harEntrySchema.safeParse(JSON.parse(JSON.stringify(toHarEntry(captureFixture({ method: "GET" }), new Uint8Array())))).success).toBe(true);
  });

  it("starts when the capture arrived and names the capture", () => {
    const entry = toHarEntry(captureFixture(), samples.json.body);
    expect(entry.startedDateTime).toBe("2026-11-23T17:55:36.835Z");
    expect(entry._hookyard).toEqual({ binId: "AbCdEfGhIjKlMnOpQrStUv", requestId: "01JRQZ8X4G7T2M5N9P3K6W1Y0A", seq: 7, clientIp: "127.0.0.1" });
    // Hookyard's answer is not part of the capture: HAR's "no response".
    expect(entry.response.status).toBe(0);
  });

  it("a schema that accepts anything would prove nothing: it refuses a broken entry", () => {
    const entry = JSON.parse(JSON.stringify(toHarEntry(captureFixture(), samples.json.body))) as Record<string, unknown>;
    expect(harEntrySchema.safeParse({ ...entry, timings: {} }).success).toBe(false);
    expect(harEntrySchema.safeParse({ ...entry, extra: 1 }).success).toBe(false);
    expect(harEntrySchema.safeParse({ ...entry, request: { ...(entry.request as object), headers: [["a", "b"]] } }).success).toBe(false);
  });
});

describe("toHarRequest", () => {
  it("keeps the headers in wire order, duplicates and case included", () => {
    const headers: [string, string][] = [
      ["X-Dup", "1"],
      ["Accept", "*/*"],
      ["x-dup", "2"],
    ];
    expect(toHarRequest(captureFixture({ headers }), new Uint8Array()).headers).toEqual([
      { name: "X-Dup", value: "1" },
      { name: "Accept", value: "*/*" },
      { name: "x-dup", value: "2" },
    ]);
  });

  it("lists a query string's pairs decoded, repeated keys in order", () => {
    const request = toHarRequest(
      captureFixture({ url: "http://127.0.0.1:3000/b/x/?tag=a&tag=b%20c&q=%E2%9C%93&empty=", query: "tag=a&tag=b%20c&q=%E2%9C%93&empty=" }),
      new Uint8Array(),
    );
    expect(request.queryString).toEqual([
      { name: "tag", value: "a" },
      { name: "tag", value: "b c" },
      { name: "q", value: "✓" },
      { name: "empty", value: "" },
    ]);
    // The URL stays exactly as captured.
    expect(request.url).toBe("http://127.0.0.1:3000/b/x/?tag=a&tag=b%20c&q=%E2%9C%93&empty=");
  });

  it("carries text bodies as their text and the declared type", () => {
    for (const sample of [samples.json, samples.form, samples.text, samples.unicode]) {
      const request = toHarRequest(captureFixture({ contentType: sample.contentType }), sample.body);
      expect(request.postData).toEqual({ mimeType: sample.contentType, text: new TextDecoder().decode(sample.body) });
      expect(request.bodySize).toBe(sample.body.length);
      expect([...harBodyBytes(request.postData)]).toEqual([...sample.body]);
    }
  });

  it("carries a binary body as base64 with encoding: base64", () => {
    const request = toHarRequest(captureFixture({ contentType: "image/png" }), samples.binary.body);
    expect(request.postData).toEqual({ mimeType: "image/png", text: "iVBORw0KGgoAAAANSUhEUiciXP8=", encoding: "base64" });
    expect([...base64ToBytes(request.postData!.text!)]).toEqual([...samples.binary.body]);
    expect([...harBodyBytes(request.postData)]).toEqual([...samples.binary.body]);
  });

  it("keeps a byte-order mark, which text decoding would drop, by going to base64", () => {
    const body = Uint8Array.from([0xef, 0xbb, 0xbf, ...encoder.encode('{"a":1}')]);
    expect(exactText(body)).toBeNull();
    const request = toHarRequest(captureFixture(), body);
    expect(request.postData?.encoding).toBe("base64");
    expect([...harBodyBytes(request.postData)]).toEqual([...body]);
  });

  it("has no postData without a body, and an empty mimeType without a Content-Type", () => {
    expect(toHarRequest(captureFixture({ method: "GET" }), new Uint8Array()).postData).toBeUndefined();
    expect(toHarRequest(captureFixture({ contentType: null }), samples.text.body).postData?.mimeType).toBe("");
  });
});

describe("requestCookies", () => {
  it("reads every Cookie header's pairs, values as sent", () => {
    expect(
      requestCookies([
        ["Cookie", "session=abc%3D; theme=dark"],
        ["Accept", "*/*"],
        ["cookie", "token=x=y;flag"],
      ]),
    ).toEqual([
      { name: "session", value: "abc%3D" },
      { name: "theme", value: "dark" },
      { name: "token", value: "x=y" },
      { name: "", value: "flag" },
    ]);
  });
});
