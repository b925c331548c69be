import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signatureConfigSchema, verifySignature } from "./index.ts";
import { DEFAULT_BODY, describeScheme, expectVerdict, genericHmacScheme, RECEIVED_AT_SECONDS, signedRequest } from "./testing.ts";

// The signer is in testing.ts, shared with the integration tests.
const { sign, secret: SECRET, options: OPTIONS } = genericHmacScheme;

describeScheme(genericHmacScheme);

describe("generic-hmac", () => {
  it("signs only the body by default (hex SHA-256, no prefix)", () => {
    const digest = createHmac("sha256", SECRET).update(DEFAULT_BODY).digest("hex");
    const request = signedRequest({ headers: [["X-Sig", digest]] });
    expectVerdict(verifySignature("generic-hmac", request, [SECRET], { header: "X-Sig" }), "valid");
  });

  it("supports SHA-1 and millisecond timestamps", () => {
    const millis = RECEIVED_AT_SECONDS * 1000 - 1000;
    const digest = createHmac("sha1", SECRET).update(`${millis}.${DEFAULT_BODY}`).digest("hex");
    const request = signedRequest({
      headers: [
        ["X-Sig", digest],
        ["X-Ts", String(millis)],
      ],
    });
    const options = { algorithm: "sha1", header: "X-Sig", template: "{timestamp}.{body}", timestampHeader: "X-Ts", timestampUnit: "ms" };
    expectVerdict(verifySignature("generic-hmac", request, [SECRET], options), "valid");
  });

  it("reports a missing id header named in the options", () => {
    const request = sign(SECRET, RECEIVED_AT_SECONDS);
    const headers = request.headers.filter(([k]) => k !== "X-Delivery");
    expectVerdict(verifySignature("generic-hmac", { ...request, headers }, [SECRET], OPTIONS), "invalid", "missing header X-Delivery");
  });

  it("rejects templates with unknown placeholders or unnamed headers", () => {
    const parse = (options: object) => signatureConfigSchema.safeParse({ provider: "generic-hmac", secrets: [SECRET], options });
    expect(parse({ header: "X-Sig", template: "{nonce}.{body}" }).success).toBe(false);
    expect(parse({ header: "X-Sig", template: "{timestamp}.{body}" }).success).toBe(false);
    expect(parse({ header: "X-Sig", template: "{timestamp}.{body}", timestampHeader: "X-Ts" }).success).toBe(true);
  });

  it("allows each placeholder at most once, so a template cannot multiply the HMAC work over the body", () => {
    const parse = (template: string) =>
      signatureConfigSchema.safeParse({
        provider: "generic-hmac",
        secrets: [SECRET],
        options: { header: "X-Sig", template, timestampHeader: "X-Ts", idHeader: "X-Id" },
      });
    expect(parse("{id}.{timestamp}.{body}").success).toBe(true);
    const repeated = parse("{body}".repeat(80));
    expect(repeated.success).toBe(false);
    expect(repeated.error?.issues.map((issue) => issue.message)).toContain("{body} may appear at most once");
    expect(parse("{timestamp}.{timestamp}.{body}").success).toBe(false);
    expect(parse("{id}{body}{id}").success).toBe(false);
  });

  it("is unchecked with options that fail the schema", () => {
    const verdict = verifySignature("generic-hmac", sign(SECRET, RECEIVED_AT_SECONDS), [SECRET], { algorithm: "md5", header: "X-Signature" });
    expect(verdict.status).toBe("unchecked");
    expect(verdict.reason).toMatch(/^invalid options: algorithm: /);
  });
});
