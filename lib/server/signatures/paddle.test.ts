import { Paddle } from "@paddle/paddle-node-sdk";
import { afterEach, describe, expect, it, vi } from "vitest";
import { verifySignature } from "./index.ts";
import { DEFAULT_BODY, describeScheme, expectVerdict, paddleScheme, RECEIVED_AT, RECEIVED_AT_SECONDS } from "./testing.ts";

// The signer (Paddle's documented algorithm) is in testing.ts, shared with the integration tests; here it is
// cross-checked with the SDK's Webhooks.isSignatureValid.
const { sign, secret: SECRET } = paddleScheme;

describeScheme(paddleScheme);

describe("paddle", () => {
  afterEach(() => vi.useRealTimers());

  it("signs the way Paddle's SDK verifies", async () => {
    vi.useFakeTimers({ now: RECEIVED_AT });
    const request = sign(SECRET, RECEIVED_AT_SECONDS - 1);
    const header = request.headers[0]![1];
    // Constructing the client is what selects the SDK's Node crypto provider; the API key is never used.
    const { webhooks } = new Paddle("pdl_sdbx_apikey_unused");
    expect(await webhooks.isSignatureValid(DEFAULT_BODY, SECRET, header)).toBe(true);
    expect(await webhooks.isSignatureValid(DEFAULT_BODY, "pdl_ntfset_01other_secret", header)).toBe(false);
    expectVerdict(verifySignature("paddle", request, [SECRET]), "valid");
  });

  it("accepts any of several h1 entries", () => {
    const request = sign(SECRET, RECEIVED_AT_SECONDS);
    const header = request.headers[0]![1].replace(";h1=", `;h1=${"ab".repeat(32)};h1=`);
    expectVerdict(verifySignature("paddle", { ...request, headers: [["Paddle-Signature", header]] }, [SECRET]), "valid");
  });
});
