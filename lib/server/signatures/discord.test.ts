import { verifyKey } from "discord-interactions";
import { describe, expect, it } from "vitest";
import { signatureConfigSchema, verifySignature } from "./index.ts";
import { describeScheme, discordScheme, expectVerdict } from "./testing.ts";

// The signer (node:crypto Ed25519 keys, Discord's documented algorithm) is in testing.ts, shared with the
// integration tests; here it is cross-checked with discord-interactions' verifyKey.
const { sign } = discordScheme;
const app = { hex: discordScheme.secret };

describeScheme(discordScheme);

describe("discord", () => {
  it("agrees with discord-interactions' verifyKey", async () => {
    const request = sign(app.hex, 1_700_000_000);
    const [signature, timestamp] = [request.headers[0]![1], request.headers[1]![1]];
    expect(await verifyKey(request.body, signature, timestamp, app.hex)).toBe(true);
    expect(await verifyKey(request.body, signature, "1700000001", app.hex)).toBe(false);
    expectVerdict(verifySignature("discord", request, [app.hex]), "valid");
  });

  it("signs the timestamp header", () => {
    const request = sign(app.hex, 1_700_000_000);
    const headers = request.headers.map(([k, v]): [string, string] => [k, k === "X-Signature-Timestamp" ? "1700000001" : v]);
    expectVerdict(verifySignature("discord", { ...request, headers }, [app.hex]), "invalid", "no public key matches: body or key differs");
  });

  it("reports a key that is not 32 bytes of hex", () => {
    expectVerdict(verifySignature("discord", sign(app.hex, 1), ["abc"]), "unchecked", "public key #1 is unusable: not hex");
    expect(signatureConfigSchema.safeParse({ provider: "discord", secrets: ["abcd"] }).success).toBe(false);
    expect(signatureConfigSchema.safeParse({ provider: "discord", secrets: [app.hex] }).success).toBe(true);
  });
});
