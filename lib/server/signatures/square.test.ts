import { describe, it } from "vitest";
import { verifySignature } from "./index.ts";
import { DEFAULT_BODY, DEFAULT_URL, describeScheme, expectVerdict, signedRequest, squareScheme } from "./testing.ts";

// The signer and the documented algorithm it follows are in testing.ts, shared with the integration tests.
const { sign, secret: KEY } = squareScheme;

describeScheme(squareScheme);

describe("square", () => {
  it("matches the example in Square's SDK tests", () => {
    const body =
      '{"merchant_id":"MLEFBHHSJGVHD","type":"webhooks.test_notification","event_id":"ac3ac95b-f97d-458c-a6e6-18981597e05f","created_at":"2022-07-13T20:30:59.037339943Z","data":{"type":"webhooks","id":"bc368e64-01aa-407e-b46e-3231809b1129"}}';
    const request = signedRequest({
      url: "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9",
      body,
      headers: [["x-square-hmacsha256-signature", "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4="]],
    });
    expectVerdict(verifySignature("square", request, [KEY]), "valid");
  });

  it("names the configured notification URL when the signature is for it", () => {
    const signedFor = "https://public.example/hooks/square";
    const request = sign(KEY, 0, DEFAULT_BODY, signedFor);
    const captured = { ...request, url: DEFAULT_URL };
    expectVerdict(verifySignature("square", captured, [KEY], { url: signedFor }), "valid");
    expectVerdict(
      verifySignature("square", { ...request, url: "http://public.example/hooks/square" }, [KEY]),
      "invalid",
      `signed URL differs from the captured URL: the signature is for ${signedFor}`,
    );
  });
});
