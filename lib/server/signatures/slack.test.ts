import { describe, it } from "vitest";
import { verifySignature } from "./index.ts";
import { describeScheme, expectVerdict, RECEIVED_AT, RECEIVED_AT_SECONDS, signedRequest, slackScheme } from "./testing.ts";

// The signer and the documented algorithm it follows are in testing.ts, shared with the integration tests.
const { sign, secret: SECRET } = slackScheme;

describeScheme(slackScheme);

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
