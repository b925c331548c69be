import { EventWebhook } from "@sendgrid/eventwebhook";
import { generateKeyPairSync, sign as ecSign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifySignature } from "./index.ts";
import { DEFAULT_BODY, describeScheme, expectVerdict, signedRequest } from "./testing.ts";

// @sendgrid/eventwebhook only verifies, so requests are signed with node:crypto P-256 keys following SendGrid's
// docs (ECDSA SHA-256 over timestamp + body, base64 DER) and cross-checked with EventWebhook.verifySignature.
function keyPair() {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const der = publicKey.export({ format: "der", type: "spki" }).toString("base64");
  return { privateKey, der, pem: publicKey.export({ format: "pem", type: "spki" }).toString() };
}
const account = keyPair();
const other = keyPair();
const keysByText = new Map([[account.der, account.privateKey], [other.der, other.privateKey]]);

function sign(publicKey: string, timestamp: number, body = DEFAULT_BODY) {
  const signature = ecSign("sha256", Buffer.from(`${timestamp}${body}`), { key: keysByText.get(publicKey)!, dsaEncoding: "der" });
  return signedRequest({
    body,
    headers: [
      ["X-Twilio-Email-Event-Webhook-Signature", signature.toString("base64")],
      ["X-Twilio-Email-Event-Webhook-Timestamp", String(timestamp)],
    ],
  });
}

describeScheme({
  provider: "sendgrid",
  secret: account.der,
  wrongSecret: other.der,
  sign,
  signatureHeader: "X-Twilio-Email-Event-Webhook-Signature",
  malformed: {
    header: "X-Twilio-Email-Event-Webhook-Signature",
    value: "***",
    reason: "malformed header X-Twilio-Email-Event-Webhook-Signature: not base64",
  },
  mismatchReason: "no public key matches: body or key differs",
});

describe("sendgrid", () => {
  it("agrees with @sendgrid/eventwebhook", () => {
    const request = sign(account.der, 1_700_000_000);
    const eventWebhook = new EventWebhook();
    const key = eventWebhook.convertPublicKeyToECDSA(account.der);
    expect(eventWebhook.verifySignature(key, DEFAULT_BODY, request.headers[0]![1], "1700000000")).toBe(true);
    expectVerdict(verifySignature("sendgrid", request, [account.der]), "valid");
  });

  it("accepts the key as PEM too", () => {
    expectVerdict(verifySignature("sendgrid", sign(account.der, 1), [account.pem]), "valid");
  });

  it("treats a base64 blob that is not a DER signature as no match", () => {
    const request = sign(account.der, 1);
    const headers = request.headers.map(([k, v]): [string, string] => [k, k.endsWith("Signature") ? "AAAA" : v]);
    expectVerdict(verifySignature("sendgrid", { ...request, headers }, [account.der]), "invalid", "no public key matches: body or key differs");
  });

  it("reports a key that is not P-256", () => {
    const ed = generateKeyPairSync("ed25519").publicKey.export({ format: "der", type: "spki" }).toString("base64");
    expectVerdict(verifySignature("sendgrid", sign(account.der, 1), [ed]), "unchecked", "public key #1 is unusable: not an ECDSA P-256 public key");
  });
});
