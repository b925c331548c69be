import { createHmac } from "node:crypto";
import { describe, it } from "vitest";
import { verifySignature } from "./index.ts";
import { DEFAULT_BODY, describeScheme, expectVerdict, RECEIVED_AT, RECEIVED_AT_SECONDS, signedRequest } from "./testing.ts";

// Fallback to the documented algorithm: Slack's verifier ships only inside @slack/bolt (93 packages with express
// and the Web API client). Slack's "Verifying requests" guide: v0= hex HMAC-SHA256 of `v0:${ts}:${body}`.
// The signer was checked once, outside the repository, against @slack/bolt's isValidSlackRequest.
const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";

function sign(secret: string, timestamp: number, body = DEFAULT_BODY) {
  const digest = createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex");
  return signedRequest({ body, headers: [["X-Slack-Request-Timestamp", String(timestamp)], ["X-Slack-Signature", `v0=${digest}`]] });
}

describeScheme({
  provider: "slack",
  secret: SECRET,
  wrongSecret: "0000000000000000000000000000000",
  sign,
  signatureHeader: "X-Slack-Signature",
  malformed: { header: "X-Slack-Request-Timestamp", value: "yesterday", reason: "malformed header X-Slack-Request-Timestamp: not a Unix timestamp in seconds" },
  stale: { timestampSeconds: RECEIVED_AT_SECONDS - 360, reason: "timestamp 360 s outside the 300 s tolerance" },
});

describe("slack", () => {
  it("matches the worked example in Slack's guide", () => {
    const body =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const request = signedRequest({
      body,
      receivedAt: 1531420618 * 1000,
      headers: [
        ["X-Slack-Request-Timestamp", "1531420618"],
        ["X-Slack-Signature", "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"],
      ],
    });
    expectVerdict(verifySignature("slack", request, [SECRET]), "valid");
  });

  it("reports a signature without the v0= prefix", () => {
    const request = sign(SECRET, RECEIVED_AT / 1000);
    const headers = request.headers.map(([k, v]): [string, string] => [k, k === "X-Slack-Signature" ? v.slice(3) : v]);
    expectVerdict(verifySignature("slack", { ...request, headers }, [SECRET]), "invalid", "malformed header X-Slack-Signature: expected v0=<hex digest>");
  });

  it("reports a missing timestamp header", () => {
    const request = sign(SECRET, RECEIVED_AT_SECONDS);
    const headers = request.headers.filter(([k]) => k !== "X-Slack-Request-Timestamp");
    expectVerdict(verifySignature("slack", { ...request, headers }, [SECRET]), "invalid", "missing header X-Slack-Request-Timestamp");
  });
});
