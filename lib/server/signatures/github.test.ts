import { verify as octokitVerify } from "@octokit/webhooks-methods";
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifySignature } from "./index.ts";
import { DEFAULT_BODY, describeScheme, expectVerdict, githubScheme, githubSha1Scheme, signedRequest } from "./testing.ts";

// The signers (@octokit/webhooks-methods, and the documented legacy SHA-1) are in testing.ts, shared with the
// integration tests.
const { sign, secret: SECRET } = githubScheme;

describeScheme(githubScheme);
describeScheme(githubSha1Scheme);

describe("github", () => {
  it("matches GitHub's documented example", async () => {
    // From GitHub's "Validating webhook deliveries" guide.
    const request = signedRequest({
      body: "Hello, World!",
      headers: [["X-Hub-Signature-256", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"]],
    });
    expect(await octokitVerify(SECRET, "Hello, World!", request.headers[0]![1])).toBe(true);
    expectVerdict(verifySignature("github", request, [SECRET]), "valid");
  });

  it("falls back to the legacy SHA-1 header only when the SHA-256 one is absent", () => {
    const sha1 = `sha1=${createHmac("sha1", SECRET).update(DEFAULT_BODY).digest("hex")}`;
    const legacy = signedRequest({ headers: [["X-Hub-Signature", sha1]] });
    expectVerdict(verifySignature("github", legacy, [SECRET]), "valid");
    const both = signedRequest({
      headers: [
        ["X-Hub-Signature", sha1],
        ["X-Hub-Signature-256", `sha256=${"0".repeat(64)}`],
      ],
    });
    expectVerdict(verifySignature("github", both, [SECRET]), "invalid", "no secret matches: body or secret differs");
  });

  it("accepts upper-case hex digits", async () => {
    const request = await sign(SECRET, 0);
    const upper = request.headers.map(([k, v]): [string, string] => [k, k.startsWith("X-Hub") ? `sha256=${v.slice(7).toUpperCase()}` : v]);
    expectVerdict(verifySignature("github", { ...request, headers: upper }, [SECRET]), "valid");
  });
});
