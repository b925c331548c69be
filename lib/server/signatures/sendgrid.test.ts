import { EventWebhook } from "@sendgrid/eventwebhook";
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifySignature } from "./index.ts";
import { DEFAULT_BODY, describeScheme, expectVerdict, sendgridKeys, sendgridScheme } from "./testing.ts";

// The signer (node:crypto P-256 keys, SendGrid's documented algorithm) is in testing.ts, shared with the
// integration tests; here it is cross-checked with @sendgrid/eventwebhook.
const { sign } = sendgridScheme;
const account = { der: sendgridKeys[0].text, pem: sendgridKeys[0].pem };

describeScheme(sendgridScheme);

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
