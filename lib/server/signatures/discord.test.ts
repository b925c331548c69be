import { verifyKey } from "discord-interactions";
import { generateKeyPairSync, sign as edSign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signatureConfigSchema, verifySignature } from "./index.ts";
import { DEFAULT_BODY, describeScheme, expectVerdict, signedRequest } from "./testing.ts";

// discord-interactions only verifies, so requests are signed with node:crypto Ed25519 keys following Discord's
// docs (signature over timestamp + body) and cross-checked with the package's verifyKey.
function keyPair() {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  return { privateKey, hex: Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url").toString("hex") };
}
const app = keyPair();
const other = keyPair();
const keysByHex = new Map([[app.hex, app.privateKey], [other.hex, other.privateKey]]);

function sign(publicKeyHex: string, timestamp: number, body = DEFAULT_BODY) {
  const signature = edSign(null, Buffer.from(`${timestamp}${body}`), keysByHex.get(publicKeyHex)!).toString("hex");
  return signedRequest({ body, headers: [["X-Signature-Ed25519", signature], ["X-Signature-Timestamp", String(timestamp)]] });
}

describeScheme({
  provider: "discord",
  secret: app.hex,
  wrongSecret: other.hex,
  sign,
  signatureHeader: "X-Signature-Ed25519",
  malformed: { header: "X-Signature-Ed25519", value: "abcd", reason: "malformed header X-Signature-Ed25519: expected 128 hex digits" },
  mismatchReason: "no public key matches: body or key differs",
});

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
