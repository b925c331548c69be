/**
 * Test-only builders for signed requests, one signer per scheme, and the cases every scheme must pass. Imported
 * by the *.test.ts files next to it and by the integration tests (e2e/api/signatures.test.ts), so both sign the
 * same way; nothing at runtime imports this file.
 */
import { sign as octokitSign } from "@octokit/webhooks-methods";
import { createHmac, generateKeyPairSync, sign as cryptoSign, type KeyObject } from "node:crypto";
import { Webhook as StandardWebhook } from "standardwebhooks";
import Stripe from "stripe";
import { Webhook as SvixWebhook } from "svix";
import twilio from "twilio";
import { describe, expect, it } from "vitest";
import { hubspotUri } from "./hubspot.ts";
import { verifySignature } from "./index.ts";
import type { ProviderId, SignedRequest, Verdict } from "./types.ts";

/** A fixed capture time so verdicts do not depend on the clock running the tests. */
export const RECEIVED_AT = Date.UTC(2026, 0, 15, 12, 0, 0);
export const RECEIVED_AT_SECONDS = RECEIVED_AT / 1000;
export const DEFAULT_URL = "https://hookyard.example/b/01JSIG/webhook?src=test";
export const DEFAULT_BODY = '{"id":"evt_1","amount":4200,"note":"caf\u00e9 \u2713"}';

export type RequestParts = {
  headers: [string, string][];
  body?: string | Uint8Array;
  url?: string;
  method?: string;
  receivedAt?: number;
};

export function signedRequest({ headers, body = DEFAULT_BODY, url = DEFAULT_URL, method = "POST", receivedAt = RECEIVED_AT }: RequestParts): SignedRequest {
  return { method, url, headers, body: typeof body === "string" ? new TextEncoder().encode(body) : body, receivedAt };
}

/** The same request with one body byte changed (lowest bit of a middle byte). */
export function withFlippedByte(request: SignedRequest, index = Math.floor(request.body.length / 2)): SignedRequest {
  const body = Uint8Array.from(request.body);
  body[index] = body[index]! ^ 0x01;
  return { ...request, body };
}

export function withoutHeader(request: SignedRequest, name: string): SignedRequest {
  return { ...request, headers: request.headers.filter(([key]) => key.toLowerCase() !== name.toLowerCase()) };
}

export function withHeader(request: SignedRequest, name: string, value: string): SignedRequest {
  return { ...withoutHeader(request, name), headers: [...withoutHeader(request, name).headers, [name, value]] };
}

export function expectVerdict(verdict: Verdict, status: Verdict["status"], reason: string | null = null): void {
  expect({ status: verdict.status, reason: verdict.reason }).toEqual({ status, reason });
}

export type SchemeCases = {
  provider: ProviderId;
  /** Names a variant of a provider's scheme (GitHub's legacy SHA-1, Svix's v1a...); the provider id otherwise. */
  label: string;
  secret: string;
  wrongSecret: string;
  options?: unknown;
  /**
   * Builds a request signed with `secret` (by the official package where one exists) at `timestampSeconds`,
   * for `body` (a default per scheme) sent to `url` (DEFAULT_URL unless given; integration tests pass the bin's URL).
   */
  sign: (secret: string, timestampSeconds: number, body?: string, url?: string) => SignedRequest | Promise<SignedRequest>;
  /** The header whose absence must be reported first. */
  signatureHeader: string;
  /** When the signature header is missing, the header the reason names, if not `signatureHeader` itself. */
  missingHeaderReported?: string;
  malformed: { header: string; value: string; reason: string };
  /** For schemes with a tolerance: how old a signature is sent, and the tolerance it must exceed. */
  stale?: { ageSeconds: number; toleranceSeconds: number };
  /** What a wrong secret, or a changed body, is reported as. */
  mismatchReason?: string;
  bodyChangeReason?: string;
};

export const staleReason = (ageSeconds: number, toleranceSeconds: number) => `timestamp ${ageSeconds} s outside the ${toleranceSeconds} s tolerance`;
export const mismatchOf = (cases: SchemeCases) => cases.mismatchReason ?? "no secret matches: body or secret differs";
export const missingOf = (cases: SchemeCases) => `missing header ${cases.missingHeaderReported ?? cases.signatureHeader}`;

/** The cases every provider must pass; provider-specific behaviour is tested beside each call. */
export function describeScheme(cases: SchemeCases): void {
  const verify = (request: SignedRequest, secrets = [cases.secret]) => verifySignature(cases.provider, request, secrets, cases.options);
  const signNow = () => cases.sign(cases.secret, RECEIVED_AT_SECONDS - 2);
  const mismatch = mismatchOf(cases);

  describe(`${cases.label}: common cases`, () => {
    it("accepts a correctly signed request", async () => {
      expectVerdict(verify(await signNow()), "valid");
    });
    it("rejects a one-byte change of the body", async () => {
      expectVerdict(verify(withFlippedByte(await signNow())), "invalid", cases.bodyChangeReason ?? mismatch);
    });
    it("rejects a wrong secret", async () => {
      expectVerdict(verify(await signNow(), [cases.wrongSecret]), "invalid", mismatch);
    });
    it("passes when any of several secrets matches (rotation)", async () => {
      const request = await signNow();
      expectVerdict(verify(request, [cases.wrongSecret, cases.secret]), "valid");
      expectVerdict(verify(request, [cases.secret, cases.wrongSecret]), "valid");
    });
    it("is unchecked without a secret", async () => {
      expectVerdict(verify(await signNow(), []), "unchecked", "no secret configured");
    });
    it(`reports a missing ${cases.signatureHeader}`, async () => {
      expectVerdict(verify(withoutHeader(await signNow(), cases.signatureHeader)), "invalid", missingOf(cases));
    });
    it(`reports a malformed ${cases.malformed.header}`, async () => {
      const request = withHeader(await signNow(), cases.malformed.header, cases.malformed.value);
      expectVerdict(verify(request), "invalid", cases.malformed.reason);
    });
    it("reports a repeated signature header", async () => {
      const request = await signNow();
      const [, value] = request.headers.find(([name]) => name.toLowerCase() === cases.signatureHeader.toLowerCase())!;
      const doubled = { ...request, headers: [...request.headers, [cases.signatureHeader, value] as [string, string]] };
      expectVerdict(verify(doubled), "invalid", `malformed header ${cases.signatureHeader}: sent 2 times`);
    });
    const stale = cases.stale;
    if (stale) {
      it("rejects a stale timestamp, judged against when the request was received", async () => {
        const request = await cases.sign(cases.secret, RECEIVED_AT_SECONDS - stale.ageSeconds);
        expectVerdict(verify(request), "invalid", staleReason(stale.ageSeconds, stale.toleranceSeconds));
      });
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// One signer and case table per scheme. Where a provider's official package can sign, it does; where it only
// verifies, the signer follows the documented algorithm and the provider's *.test.ts cross-checks it with the
// package's verifier. The reasons for each fallback are given beside the signer.

/** Signs with the private half of whichever generated test key pair `publicKey` names. */
function keyring<Text extends string>(pairs: { privateKey: KeyObject; text: Text }[]) {
  const byText = new Map(pairs.map((pair) => [pair.text as string, pair.privateKey]));
  return (publicKey: string): KeyObject => {
    const key = byText.get(publicKey);
    if (!key) throw new Error("no test private key for this public key");
    return key;
  };
}

const stripeClient = new Stripe("sk_test_unused");

// Signatures come from Stripe's own library.
export const stripeScheme = {
  provider: "stripe",
  label: "stripe",
  secret: "whsec_test_5f3c1d2e4a6b8c0d",
  wrongSecret: "whsec_test_other",
  sign(secret, timestamp, body = DEFAULT_BODY, url?: string) {
    const header = stripeClient.webhooks.generateTestHeaderString({ payload: body, secret, timestamp });
    return signedRequest({
      url,
      body,
      headers: [
        ["Stripe-Signature", header],
        ["Content-Type", "application/json"],
      ],
    });
  },
  signatureHeader: "Stripe-Signature",
  malformed: { header: "Stripe-Signature", value: "v1=abcdef", reason: "malformed header Stripe-Signature: no t= timestamp" },
  stale: { ageSeconds: 412, toleranceSeconds: 300 },
} satisfies SchemeCases;

// Signatures come from @octokit/webhooks-methods, the library GitHub's own Octokit uses.
export const githubScheme = {
  provider: "github",
  label: "github",
  secret: "It's a Secret to Everybody",
  wrongSecret: "not the secret",
  async sign(secret, _timestamp, body = DEFAULT_BODY, url?: string) {
    return signedRequest({
      url,
      body,
      headers: [
        ["X-GitHub-Event", "push"],
        ["X-Hub-Signature-256", await octokitSign(secret, body)],
      ],
    });
  },
  signatureHeader: "X-Hub-Signature-256",
  malformed: {
    header: "X-Hub-Signature-256",
    value: "sha1=757107ea0eb2509fc211221cce984b8a37570b6d",
    reason: "malformed header X-Hub-Signature-256: expected sha256=<hex digest>",
  },
} satisfies SchemeCases;

// @octokit/webhooks-methods signs SHA-256 only; the legacy header is hex HMAC-SHA1 of the body per GitHub's docs.
export const githubSha1Scheme = {
  ...githubScheme,
  label: "github (legacy sha1)",
  sign(secret, _timestamp, body = DEFAULT_BODY, url?: string) {
    const digest = createHmac("sha1", secret).update(body).digest("hex");
    return signedRequest({
      url,
      body,
      headers: [
        ["X-GitHub-Event", "push"],
        ["X-Hub-Signature", `sha1=${digest}`],
      ],
    });
  },
  signatureHeader: "X-Hub-Signature",
  // With neither header present, the current SHA-256 header is the one asked for.
  missingHeaderReported: "X-Hub-Signature-256",
  malformed: { header: "X-Hub-Signature", value: `sha256=${"ab".repeat(32)}`, reason: "malformed header X-Hub-Signature: expected sha1=<hex digest>" },
} satisfies SchemeCases;

// Fallback to the documented algorithm: Shopify's only official verifier is @shopify/shopify-api (about 30 MB
// with its GraphQL clients, and it must be configured as a whole app). Its docs: base64 HMAC-SHA256 of the raw body.
export const shopifyScheme = {
  provider: "shopify",
  label: "shopify",
  secret: "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",
  wrongSecret: "shpss_wrong",
  sign(secret, _timestamp, body = DEFAULT_BODY, url?: string) {
    const digest = createHmac("sha256", secret).update(body, "utf8").digest("base64");
    return signedRequest({
      url,
      body,
      headers: [
        ["X-Shopify-Topic", "orders/create"],
        ["X-Shopify-Hmac-Sha256", digest],
      ],
    });
  },
  signatureHeader: "X-Shopify-Hmac-Sha256",
  malformed: { header: "X-Shopify-Hmac-Sha256", value: "not base64!", reason: "malformed header X-Shopify-Hmac-Sha256: not base64" },
} satisfies SchemeCases;

// Fallback to the documented algorithm: Slack's verifier ships only inside @slack/bolt (93 packages with express
// and the Web API client). Slack's "Verifying requests" guide: v0= hex HMAC-SHA256 of `v0:${ts}:${body}`.
// The signer was checked once, outside the repository, against @slack/bolt's isValidSlackRequest.
export const slackScheme = {
  provider: "slack",
  label: "slack",
  secret: "8f742231b10e8888abcd99yyyzzz85a5",
  wrongSecret: "0000000000000000000000000000000",
  sign(secret, timestamp, body = DEFAULT_BODY, url?: string) {
    const digest = createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex");
    return signedRequest({
      url,
      body,
      headers: [
        ["X-Slack-Request-Timestamp", String(timestamp)],
        ["X-Slack-Signature", `v0=${digest}`],
      ],
    });
  },
  signatureHeader: "X-Slack-Signature",
  malformed: { header: "X-Slack-Request-Timestamp", value: "yesterday", reason: "malformed header X-Slack-Request-Timestamp: not a Unix timestamp in seconds" },
  stale: { ageSeconds: 360, toleranceSeconds: 300 },
} satisfies SchemeCases;

const STANDARD_MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";

// v1 signatures come from the `standardwebhooks` reference library.
export const standardWebhooksScheme = {
  provider: "standard-webhooks",
  label: "standard-webhooks",
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  wrongSecret: "whsec_dGhpcyBpcyBub3QgdGhlIHNlY3JldA==",
  sign(secret, timestamp, body = DEFAULT_BODY, url?: string) {
    const signature = new StandardWebhook(secret).sign(STANDARD_MSG_ID, new Date(timestamp * 1000), body);
    return signedRequest({
      url,
      body,
      headers: [
        ["webhook-id", STANDARD_MSG_ID],
        ["webhook-timestamp", String(timestamp)],
        ["webhook-signature", signature],
      ],
    });
  },
  signatureHeader: "webhook-signature",
  malformed: { header: "webhook-signature", value: "v2,abc=", reason: "malformed header webhook-signature: no v1,<base64> or v1a,<base64> signature" },
  stale: { ageSeconds: 301, toleranceSeconds: 300 },
} satisfies SchemeCases;

// Svix sends the same scheme under svix-* names; these signatures come from the `svix` library.
export const svixScheme = {
  ...standardWebhooksScheme,
  label: "standard-webhooks (svix headers)",
  sign(secret, timestamp, body = DEFAULT_BODY, url?: string) {
    const signature = new SvixWebhook(secret).sign(STANDARD_MSG_ID, new Date(timestamp * 1000), body);
    return signedRequest({
      url,
      body,
      headers: [
        ["svix-id", STANDARD_MSG_ID],
        ["svix-timestamp", String(timestamp)],
        ["svix-signature", signature],
      ],
    });
  },
  signatureHeader: "svix-signature",
  malformed: { header: "svix-signature", value: "v2,abc=", reason: "malformed header svix-signature: no v1,<base64> or v1a,<base64> signature" },
} satisfies SchemeCases;

function whpkPair() {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  return { privateKey, text: `whpk_${Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url").toString("base64")}` };
}
const whpk = [whpkPair(), whpkPair()] as const;
const whpkPrivate = keyring([...whpk]);

// Neither standardwebhooks nor svix signs v1a (Ed25519), so it follows the spec's algorithm with node:crypto keys:
// Ed25519 over `${id}.${timestamp}.${body}`, verified with a whpk_ public key.
export const standardWebhooksV1aScheme = {
  ...standardWebhooksScheme,
  label: "standard-webhooks (v1a Ed25519)",
  secret: whpk[0].text,
  wrongSecret: whpk[1].text,
  sign(publicKey, timestamp, body = DEFAULT_BODY, url?: string) {
    const signature = cryptoSign(null, Buffer.from(`${STANDARD_MSG_ID}.${timestamp}.${body}`), whpkPrivate(publicKey)).toString("base64");
    return signedRequest({
      url,
      body,
      headers: [
        ["webhook-id", STANDARD_MSG_ID],
        ["webhook-timestamp", String(timestamp)],
        ["webhook-signature", `v1a,${signature}`],
      ],
    });
  },
} satisfies SchemeCases;

export const TWILIO_URL = "https://mycompany.example/b/01JSIG/sms?foo=1&bar=2";
export const TWILIO_FORM = "CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234&From=%2B12349013030&To=%2B18005551212&Body=caf%C3%A9+%E2%9C%93";
export const formParams = (body: string): Record<string, string> => Object.fromEntries(new URLSearchParams(body));

// Signatures come from the twilio library's getExpectedTwilioSignature over the URL Twilio called and the form.
export const twilioScheme = {
  provider: "twilio",
  label: "twilio",
  secret: "12345abcdef67890aa11bb22cc33dd44",
  wrongSecret: "00000000000000000000000000000000",
  sign(token, _timestamp, body = TWILIO_FORM, url = TWILIO_URL) {
    return signedRequest({
      url,
      body,
      headers: [
        ["Content-Type", "application/x-www-form-urlencoded; charset=utf-8"],
        ["X-Twilio-Signature", twilio.getExpectedTwilioSignature(token, url, formParams(body))],
      ],
    });
  },
  signatureHeader: "X-Twilio-Signature",
  malformed: { header: "X-Twilio-Signature", value: "%%%", reason: "malformed header X-Twilio-Signature: not base64" },
} satisfies SchemeCases;

export const TWILIO_JSON = '{"event":"message.delivered","sid":"SM123"}';

// JSON bodies: Twilio signs the URL with the body's SHA-256 in its bodySHA256 parameter (both from the library).
export const twilioJsonScheme = {
  ...twilioScheme,
  label: "twilio (JSON with bodySHA256)",
  sign(token, _timestamp, body = TWILIO_JSON, url = TWILIO_URL) {
    const signedUrl = `${url}${url.includes("?") ? "&" : "?"}bodySHA256=${twilio.getExpectedBodyHash(body)}`;
    return signedRequest({
      url: signedUrl,
      body,
      headers: [
        ["Content-Type", "application/json"],
        ["X-Twilio-Signature", twilio.getExpectedTwilioSignature(token, signedUrl, {})],
      ],
    });
  },
  bodyChangeReason: "body differs from the bodySHA256 query parameter",
} satisfies SchemeCases;

// The Paddle SDK only verifies, so signatures follow Paddle's documented algorithm (h1 = hex HMAC-SHA256 of
// `${ts}:${body}`); paddle.test.ts cross-checks the signer with the SDK's Webhooks.isSignatureValid.
export const paddleScheme = {
  provider: "paddle",
  label: "paddle",
  secret: "pdl_ntfset_01gkpjp8bkm3tm53kdgkx6sms7_6h3qd3uFSi9YCD3OLYAShQI90XTI2F0f",
  wrongSecret: "pdl_ntfset_01other_secret",
  sign(secret, timestamp, body = DEFAULT_BODY, url?: string) {
    const h1 = createHmac("sha256", secret).update(`${timestamp}:${body}`).digest("hex");
    return signedRequest({ url, body, headers: [["Paddle-Signature", `ts=${timestamp};h1=${h1}`]] });
  },
  signatureHeader: "Paddle-Signature",
  malformed: { header: "Paddle-Signature", value: "h1=abcd", reason: "malformed header Paddle-Signature: no ts= timestamp" },
  stale: { ageSeconds: 6, toleranceSeconds: 5 },
} satisfies SchemeCases;

// Fallback to the documented algorithm: Square's verifier (WebhooksHelper.verifySignature) ships only in the
// `square` SDK, about 80 MB with a bundled legacy SDK. Square's docs: base64 HMAC-SHA256 of notification URL + body.
// The signer was checked once, outside the repository, against the SDK's WebhooksHelper.verifySignature.
export const squareScheme = {
  provider: "square",
  label: "square",
  secret: "Ibxx_5AKakO-3qeNVR61Dw",
  wrongSecret: "wrong_signature_key_1234",
  sign(key, _timestamp, body = DEFAULT_BODY, url = DEFAULT_URL) {
    const digest = createHmac("sha256", key)
      .update(url + body)
      .digest("base64");
    return signedRequest({ url, body, headers: [["x-square-hmacsha256-signature", digest]] });
  },
  signatureHeader: "x-square-hmacsha256-signature",
  malformed: { header: "x-square-hmacsha256-signature", value: "no/base64?", reason: "malformed header x-square-hmacsha256-signature: not base64" },
} satisfies SchemeCases;

function discordPair() {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  return { privateKey, text: Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url").toString("hex") };
}
const discordKeys = [discordPair(), discordPair()] as const;
const discordPrivate = keyring([...discordKeys]);

// discord-interactions only verifies, so requests are signed with node:crypto Ed25519 keys following Discord's
// docs (signature over timestamp + body); discord.test.ts cross-checks with the package's verifyKey.
export const discordScheme = {
  provider: "discord",
  label: "discord",
  secret: discordKeys[0].text,
  wrongSecret: discordKeys[1].text,
  sign(publicKeyHex, timestamp, body = DEFAULT_BODY, url?: string) {
    const signature = cryptoSign(null, Buffer.from(`${timestamp}${body}`), discordPrivate(publicKeyHex)).toString("hex");
    return signedRequest({
      url,
      body,
      headers: [
        ["X-Signature-Ed25519", signature],
        ["X-Signature-Timestamp", String(timestamp)],
      ],
    });
  },
  signatureHeader: "X-Signature-Ed25519",
  malformed: { header: "X-Signature-Ed25519", value: "abcd", reason: "malformed header X-Signature-Ed25519: expected 128 hex digits" },
  mismatchReason: "no public key matches: body or key differs",
} satisfies SchemeCases;

function sendgridPair() {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  return {
    privateKey,
    text: publicKey.export({ format: "der", type: "spki" }).toString("base64"),
    pem: publicKey.export({ format: "pem", type: "spki" }).toString(),
  };
}
export const sendgridKeys = [sendgridPair(), sendgridPair()] as const;
const sendgridPrivate = keyring([...sendgridKeys]);

// @sendgrid/eventwebhook only verifies, so requests are signed with node:crypto P-256 keys following SendGrid's
// docs (ECDSA SHA-256 over timestamp + body, base64 DER); sendgrid.test.ts cross-checks with EventWebhook.
export const sendgridScheme = {
  provider: "sendgrid",
  label: "sendgrid",
  secret: sendgridKeys[0].text,
  wrongSecret: sendgridKeys[1].text,
  sign(publicKey, timestamp, body = DEFAULT_BODY, url?: string) {
    const signature = cryptoSign("sha256", Buffer.from(`${timestamp}${body}`), { key: sendgridPrivate(publicKey), dsaEncoding: "der" });
    return signedRequest({
      url,
      body,
      headers: [
        ["X-Twilio-Email-Event-Webhook-Signature", signature.toString("base64")],
        ["X-Twilio-Email-Event-Webhook-Timestamp", String(timestamp)],
      ],
    });
  },
  signatureHeader: "X-Twilio-Email-Event-Webhook-Signature",
  malformed: { header: "X-Twilio-Email-Event-Webhook-Signature", value: "***", reason: "malformed header X-Twilio-Email-Event-Webhook-Signature: not base64" },
  mismatchReason: "no public key matches: body or key differs",
} satisfies SchemeCases;

export const linearBodyAt = (timestampSeconds: number) =>
  `{"action":"create","type":"Issue","data":{"id":"abc","title":"caf\u00e9"},"webhookTimestamp":${timestampSeconds * 1000}}`;

// @linear/sdk only verifies (LinearWebhookClient.verify), so signatures follow Linear's docs (hex HMAC-SHA256 of
// the body, webhookTimestamp in ms inside it); linear.test.ts cross-checks with the SDK's verifier.
export const linearScheme = {
  provider: "linear",
  label: "linear",
  secret: "lin_wh_4f2a9c8e7d6b5a4f3e2d1c0b9a8f7e6d",
  wrongSecret: "lin_wh_other",
  sign(secret, timestampSeconds, body = linearBodyAt(timestampSeconds), url?: string) {
    const digest = createHmac("sha256", secret).update(body).digest("hex");
    return signedRequest({
      url,
      body,
      headers: [
        ["Linear-Delivery", "d1"],
        ["Linear-Signature", digest],
      ],
    });
  },
  signatureHeader: "Linear-Signature",
  malformed: { header: "Linear-Signature", value: "sha256=abc", reason: "malformed header Linear-Signature: not hex" },
  stale: { ageSeconds: 61, toleranceSeconds: 60 },
} satisfies SchemeCases;

// Fallback to the documented algorithm: the official verifier (Signature.isValid) ships only in
// @hubspot/api-client, about 54 MB. HubSpot's v3 guide: base64 HMAC-SHA256 of method + URI + body + timestamp (ms),
// with a fixed set of percent-escapes decoded in the URI, and requests older than five minutes rejected.
// The signer was checked once, outside the repository, against the client's Signature.isValid (v3).
export const hubspotScheme = {
  provider: "hubspot",
  label: "hubspot",
  secret: "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy",
  wrongSecret: "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
  sign(secret, timestampSeconds, body = DEFAULT_BODY, url = DEFAULT_URL) {
    const millis = String(timestampSeconds * 1000);
    const digest = createHmac("sha256", secret)
      .update(`POST${hubspotUri(url)}${body}${millis}`)
      .digest("base64");
    return signedRequest({
      url,
      body,
      headers: [
        ["X-HubSpot-Request-Timestamp", millis],
        ["X-HubSpot-Signature-v3", digest],
      ],
    });
  },
  signatureHeader: "X-HubSpot-Signature-v3",
  malformed: {
    header: "X-HubSpot-Request-Timestamp",
    value: "2026-01-15T12:00:00Z",
    reason: "malformed header X-HubSpot-Request-Timestamp: not a Unix timestamp in milliseconds",
  },
  stale: { ageSeconds: 301, toleranceSeconds: 300 },
} satisfies SchemeCases;

export const GENERIC_HMAC_OPTIONS = {
  algorithm: "sha512",
  encoding: "base64",
  header: "X-Signature",
  prefix: "sha512=",
  template: "{id}:{timestamp}:{body}",
  timestampHeader: "X-Timestamp",
  idHeader: "X-Delivery",
};

// No provider package: the generic scheme is ours, so signatures are computed directly with node:crypto.
export const genericHmacScheme = {
  provider: "generic-hmac",
  label: "generic-hmac",
  secret: "generic-secret-1234",
  wrongSecret: "another-secret",
  options: GENERIC_HMAC_OPTIONS,
  sign(secret, timestamp, body = DEFAULT_BODY, url?: string) {
    const digest = createHmac("sha512", secret).update(`d-42:${timestamp}:${body}`).digest("base64");
    return signedRequest({
      url,
      body,
      headers: [
        ["X-Delivery", "d-42"],
        ["X-Timestamp", String(timestamp)],
        ["X-Signature", `sha512=${digest}`],
      ],
    });
  },
  signatureHeader: "X-Signature",
  malformed: { header: "X-Signature", value: "sha256=abc", reason: "malformed header X-Signature: expected the prefix sha512=" },
  stale: { ageSeconds: 900, toleranceSeconds: 300 },
} satisfies SchemeCases;

/** Every scheme and variant, for tests that drive them all through the same assertions. */
export const allSchemes: readonly SchemeCases[] = [
  stripeScheme,
  githubScheme,
  githubSha1Scheme,
  shopifyScheme,
  slackScheme,
  standardWebhooksScheme,
  svixScheme,
  standardWebhooksV1aScheme,
  twilioScheme,
  twilioJsonScheme,
  paddleScheme,
  squareScheme,
  discordScheme,
  sendgridScheme,
  linearScheme,
  hubspotScheme,
  genericHmacScheme,
];
