import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { verifySignature } from "./index.ts";
import { DEFAULT_BODY, describeScheme, expectVerdict, RECEIVED_AT, RECEIVED_AT_SECONDS, signedRequest } from "./testing.ts";

// Signatures come from Stripe's own library; its verifier cross-checks the requests we accept.
const stripe = new Stripe("sk_test_unused");
const SECRET = "whsec_test_5f3c1d2e4a6b8c0d";

function sign(secret: string, timestamp: number, body = DEFAULT_BODY) {
  const header = stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp });
  return signedRequest({ body, headers: [["Stripe-Signature", header], ["Content-Type", "application/json"]] });
}

describeScheme({
  provider: "stripe",
  secret: SECRET,
  wrongSecret: "whsec_test_other",
  sign,
  signatureHeader: "Stripe-Signature",
  malformed: { header: "Stripe-Signature", value: "v1=abcdef", reason: "malformed header Stripe-Signature: no t= timestamp" },
  stale: { timestampSeconds: RECEIVED_AT_SECONDS - 412, reason: "timestamp 412 s outside the 300 s tolerance" },
});

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
