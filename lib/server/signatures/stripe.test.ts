import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { verifySignature } from "./index.ts";
import { describeScheme, expectVerdict, RECEIVED_AT, RECEIVED_AT_SECONDS, signedRequest, stripeScheme } from "./testing.ts";

// The signer (Stripe's own generateTestHeaderString) is in testing.ts, shared with the integration tests.
const stripe = new Stripe("sk_test_unused");
const { sign, secret: SECRET } = stripeScheme;

describeScheme(stripeScheme);

describe("stripe", () => {
  it("agrees with Stripe's own verifier on a request it accepts", () => {
    const request = sign(SECRET, Math.floor(Date.now() / 1000));
    const header = request.headers[0]![1];
    expect(() => stripe.webhooks.constructEvent(Buffer.from(request.body), header, SECRET)).not.toThrow();
    expectVerdict(verifySignature("stripe", { ...request, receivedAt: Date.now() }, [SECRET]), "valid");
  });

  it("accepts any v1 entry, as Stripe sends during secret rolls", () => {
    const request = sign(SECRET, RECEIVED_AT_SECONDS);
    const header = request.headers[0]![1].replace("v1=", `v1=${"0".repeat(64)},v1=`);
    expectVerdict(verifySignature("stripe", { ...request, headers: [["Stripe-Signature", header]] }, [SECRET]), "valid");
  });

  it("reports a header without v1 signatures", () => {
    const request = signedRequest({ headers: [["Stripe-Signature", `t=${RECEIVED_AT_SECONDS},v0=abc`]] });
    expectVerdict(verifySignature("stripe", request, [SECRET]), "invalid", "malformed header Stripe-Signature: no v1= signature");
  });

  it("keeps its verdict as the capture ages: tolerance is judged against receivedAt", () => {
    const request = sign(SECRET, RECEIVED_AT_SECONDS - 10);
    expect(request.receivedAt).toBe(RECEIVED_AT);
    expectVerdict(verifySignature("stripe", request, [SECRET]), "valid");
  });

  it("honours a configured tolerance", () => {
    const request = sign(SECRET, RECEIVED_AT_SECONDS - 100);
    const verdict = verifySignature("stripe", request, [SECRET], { toleranceSeconds: 60 });
    expectVerdict(verdict, "invalid", "timestamp 100 s outside the 60 s tolerance");
  });

  it("never mentions the secret in a reason", () => {
    const verdict = verifySignature("stripe", sign(SECRET, 1), [SECRET, "whsec_x"]);
    expect(JSON.stringify(verdict)).not.toContain(SECRET.slice(6));
  });
});
