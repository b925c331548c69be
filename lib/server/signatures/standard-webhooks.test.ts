import { generateKeyPairSync, sign as edSign } from "node:crypto";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import { describe, expect, it } from "vitest";
import { signatureConfigSchema, verifySignature } from "./index.ts";
import { DEFAULT_BODY, describeScheme, expectVerdict, RECEIVED_AT_SECONDS, signedRequest } from "./testing.ts";

// v1 signatures come from the `standardwebhooks` reference library and from `svix`. Neither library signs v1a
// (Ed25519), so those follow the spec's algorithm with node:crypto keys.
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";

function sign(secret: string, timestamp: number, body = DEFAULT_BODY) {
  const signature = new StandardWebhook(secret).sign(MSG_ID, new Date(timestamp * 1000), body);
  return signedRequest({
    body,
    headers: [["webhook-id", MSG_ID], ["webhook-timestamp", String(timestamp)], ["webhook-signature", signature]],
  });
}

describeScheme({
  provider: "standard-webhooks",
  secret: SECRET,
  wrongSecret: "whsec_dGhpcyBpcyBub3QgdGhlIHNlY3JldA==",
  sign,
  signatureHeader: "webhook-signature",
  malformed: {
    header: "webhook-signature",
    value: "v2,abc=",
    reason: "malformed header webhook-signature: no v1,<base64> or v1a,<base64> signature",
  },
  stale: { timestampSeconds: RECEIVED_AT_SECONDS - 301, reason: "timestamp 301 s outside the 300 s tolerance" },
});

describe("standard-webhooks", () => {
  it("agrees with the reference verifier", () => {
    const now = Math.floor(Date.now() / 1000);
    const request = sign(SECRET, now);
    const headers = Object.fromEntries(request.headers);
    expect(() => new StandardWebhook(SECRET).verify(DEFAULT_BODY, headers)).not.toThrow();
    expectVerdict(verifySignature("standard-webhooks", { ...request, receivedAt: now * 1000 }, [SECRET]), "valid");
  });

  it("verifies Svix's svix-* headers signed by the svix library", () => {
    const signature = new SvixWebhook(SECRET).sign(MSG_ID, new Date(RECEIVED_AT_SECONDS * 1000), DEFAULT_BODY);
    const request = signedRequest({
      headers: [["svix-id", MSG_ID], ["svix-timestamp", String(RECEIVED_AT_SECONDS)], ["svix-signature", signature]],
    });
    expectVerdict(verifySignature("standard-webhooks", request, [SECRET]), "valid");
    const noId = { ...request, headers: request.headers.filter(([name]) => name !== "svix-id") };
    expectVerdict(verifySignature("standard-webhooks", noId, [SECRET]), "invalid", "missing header svix-id");
  });

  it("rejects timestamps too far in the future as well", () => {
    expectVerdict(
      verifySignature("standard-webhooks", sign(SECRET, RECEIVED_AT_SECONDS + 400), [SECRET]),
      "invalid",
      "timestamp 400 s in the future, outside the 300 s tolerance",
    );
  });

  it("accepts a secret without its whsec_ prefix, as the reference libraries do", () => {
    expectVerdict(verifySignature("standard-webhooks", sign(SECRET, RECEIVED_AT_SECONDS), [SECRET.slice(6)]), "valid");
  });

  it("finds the matching entry in a space-separated list", () => {
    const request = sign(SECRET, RECEIVED_AT_SECONDS);
    const headers = request.headers.map(([k, v]): [string, string] => [k, k === "webhook-signature" ? `v1,${"A".repeat(44)} ${v}` : v]);
    expectVerdict(verifySignature("standard-webhooks", { ...request, headers }, [SECRET]), "valid");
  });

  describe("v1a (Ed25519)", () => {
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const rawPublic = Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url");
    const whpk = `whpk_${rawPublic.toString("base64")}`;

    function signEd(body = DEFAULT_BODY) {
      const content = Buffer.from(`${MSG_ID}.${RECEIVED_AT_SECONDS}.${body}`);
      const signature = edSign(null, content, privateKey).toString("base64");
      return signedRequest({
        body,
        headers: [["webhook-id", MSG_ID], ["webhook-timestamp", String(RECEIVED_AT_SECONDS)], ["webhook-signature", `v1a,${signature}`]],
      });
    }

    it("verifies with a whpk_ public key, alongside an HMAC secret", () => {
      expectVerdict(verifySignature("standard-webhooks", signEd(), [SECRET, whpk]), "valid");
    });

    it("rejects a changed body", () => {
      const request = signEd();
      expectVerdict(
        verifySignature("standard-webhooks", { ...request, body: request.body.slice(1) }, [whpk]),
        "invalid",
        "no secret matches: body or secret differs",
      );
    });
  });

  it("reports an unusable secret as unchecked, and the schema rejects it without quoting it", () => {
    const verdict = verifySignature("standard-webhooks", sign(SECRET, RECEIVED_AT_SECONDS), ["whsec_not*base64"]);
    expectVerdict(verdict, "unchecked", "secret #1 is unusable: not base64 after whsec_");
    const parsed = signatureConfigSchema.safeParse({ provider: "standard-webhooks", secrets: ["whsec_not*base64"] });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).not.toContain("not*base64");
  });
});
