import twilio from "twilio";
import { describe, expect, it } from "vitest";
import { verifySignature } from "./index.ts";
import { describeScheme, expectVerdict, signedRequest } from "./testing.ts";

// Signatures come from the twilio library's getExpectedTwilioSignature; its validateRequest cross-checks.
const TOKEN = "12345abcdef67890aa11bb22cc33dd44";
const URL_SIGNED = "https://mycompany.example/b/01JSIG/sms?foo=1&bar=2";
const FORM = "CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234&From=%2B12349013030&To=%2B18005551212&Body=caf%C3%A9+%E2%9C%93";

function formParams(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}

function sign(token: string, _timestamp: number, body = FORM) {
  const signature = twilio.getExpectedTwilioSignature(token, URL_SIGNED, formParams(body));
  return signedRequest({
    url: URL_SIGNED,
    body,
    headers: [["Content-Type", "application/x-www-form-urlencoded; charset=utf-8"], ["X-Twilio-Signature", signature]],
  });
}

describeScheme({
  provider: "twilio",
  secret: TOKEN,
  wrongSecret: "00000000000000000000000000000000",
  sign,
  signatureHeader: "X-Twilio-Signature",
  malformed: { header: "X-Twilio-Signature", value: "%%%", reason: "malformed header X-Twilio-Signature: not base64" },
});

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
      headers: [["Content-Type", "application/x-www-form-urlencoded"], ["X-Twilio-Signature", signature]],
    });
    expectVerdict(verifySignature("twilio", request, [TOKEN]), "valid");
  });

  describe("JSON bodies with bodySHA256", () => {
    const json = '{"event":"message.delivered","sid":"SM123"}';
    const url = `https://mycompany.example/b/01JSIG/events?bodySHA256=${twilio.getExpectedBodyHash(json)}`;
    const request = signedRequest({
      url,
      body: json,
      headers: [["Content-Type", "application/json"], ["X-Twilio-Signature", twilio.getExpectedTwilioSignature(TOKEN, url, {})]],
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
      expectVerdict(
        verifySignature("twilio", behindProxy, [TOKEN]),
        "invalid",
        `signed URL differs from the captured URL: the signature is for ${URL_SIGNED}`,
      );
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
