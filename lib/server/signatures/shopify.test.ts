import { describe, it } from "vitest";
import { verifySignature } from "./index.ts";
import { describeScheme, expectVerdict, shopifyScheme } from "./testing.ts";

// The signer and the documented algorithm it follows are in testing.ts, shared with the integration tests.
const { sign, secret: SECRET } = shopifyScheme;

describeScheme(shopifyScheme);

describe("shopify", () => {
  it("finds the header whatever its case on the wire", () => {
    const request = sign(SECRET, 0);
    const lower = request.headers.map(([k, v]): [string, string] => [k.toLowerCase(), v]);
    expectVerdict(verifySignature("shopify", { ...request, headers: lower }, [SECRET]), "valid");
  });
});
