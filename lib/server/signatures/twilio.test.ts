import twilio from "twilio";
import { describe, expect, it } from "vitest";
import { verifySignature } from "./index.ts";
import { describeScheme, expectVerdict, formParams, signedRequest, TWILIO_FORM, TWILIO_URL, twilioJsonScheme, twilioScheme } from "./testing.ts";

// The signers (the twilio library's getExpectedTwilioSignature) are in testing.ts, shared with the integration
// tests; here they are cross-checked with validateRequest.
const { sign, secret: TOKEN } = twilioScheme;
const URL_SIGNED = TWILIO_URL;
const FORM = TWILIO_FORM;

describeScheme(twilioScheme);
describeScheme(twilioJsonScheme);

describe("twilio", () => {
  it("agrees with twilio.validateRequest", () => {
    const request = sign(TOKEN, 0);
    expect(twilio.validateRequest(TOKEN, request.headers[1]![1], URL_SIGNED, formParams(FORM))).toBe(true);
    expectVerdict(verifySignature("twilio", request, [TOKEN]), "valid");
  });

  it("sorts repeated parameters the way the library does", () => {
    const body = "To=%2B1800&MediaUrl=b&MediaUrl=a&From=%2B1234";
    const params = { To: "+1800", MediaUrl: ["b", "a"], From: "+1234" };
    const signature = twilio.getExpectedTwilioSignature(TOKEN, URL_SIGNED, params);
    const request = signedRequest({
      url: URL_SIGNED,
      body,
      headers: [
        ["Content-Type", "application/x-www-form-urlencoded"],
        ["X-Twilio-Signature", signature],
      ],
    });
    expectVerdict(verifySignature("twilio", request, [TOKEN]), "valid");
  });

  describe("JSON bodies with bodySHA256", () => {
    const json = '{"event":"message.delivered","sid":"SM123"}';
    const url = `https://mycompany.example/b/01JSIG/events?bodySHA256=${twilio.getExpectedBodyHash(json)}`;
    const request = signedRequest({
      url,
      body: json,
      headers: [
        ["Content-Type", "application/json"],
        ["X-Twilio-Signature", twilio.getExpectedTwilioSignature(TOKEN, url, {})],
      ],
    });

    it("accepts what validateRequestWithBody accepts", () => {
      expect(twilio.validateRequestWithBody(TOKEN, request.headers[1]![1], url, json)).toBe(true);
      expectVerdict(verifySignature("twilio", request, [TOKEN]), "valid");
    });

    it("reports a body that no longer matches its hash", () => {
      const body = Uint8Array.from(request.body);
      body[5] = body[5]! ^ 1;
      expectVerdict(verifySignature("twilio", { ...request, body }, [TOKEN]), "invalid", "body differs from the bodySHA256 query parameter");
    });
  });

  describe("the signed URL", () => {
    it("names the URL the sender signed when it is the https form of the captured http URL", () => {
      const behindProxy = { ...sign(TOKEN, 0), url: URL_SIGNED.replace("https:", "http:") };
      expectVerdict(verifySignature("twilio", behindProxy, [TOKEN]), "invalid", `signed URL differs from the captured URL: the signature is for ${URL_SIGNED}`);
    });

    it("uses the configured URL when one is given", () => {
      const captured = { ...sign(TOKEN, 0), url: "http://127.0.0.1:3000/b/01JSIG/sms?foo=1&bar=2" };
      expectVerdict(verifySignature("twilio", captured, [TOKEN], { url: URL_SIGNED }), "valid");
    });

    it("accepts the URL with the default port, as Twilio's library does", () => {
      const withPort = { ...sign(TOKEN, 0), url: URL_SIGNED.replace(".example/", ".example:443/") };
      expectVerdict(verifySignature("twilio", withPort, [TOKEN]), "valid");
    });
  });
});
