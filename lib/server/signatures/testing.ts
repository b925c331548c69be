/**
 * Test-only builders for signed requests and the cases every scheme must pass. Imported by the *.test.ts files
 * next to it; nothing at runtime imports this file.
 */
import { describe, expect, it } from "vitest";
import { verifySignature } from "./index.ts";
import type { ProviderId, SignedRequest, Verdict } from "./types.ts";

/** A fixed capture time so verdicts do not depend on the clock running the tests. */
export const RECEIVED_AT = Date.UTC(2026, 0, 15, 12, 0, 0);
export const RECEIVED_AT_SECONDS = RECEIVED_AT / 1000;
export const DEFAULT_URL = "https://hookyard.example/b/01JSIG/webhook?src=test";
export const DEFAULT_BODY = '{"id":"evt_1","amount":4200,"note":"caf\u00e9 \u2713"}';

export type RequestParts = {
  headers: [string, string][];
  body?: string | Uint8Array;
  url?: string;
  method?: string;
  receivedAt?: number;
};

export function signedRequest({ headers, body = DEFAULT_BODY, url = DEFAULT_URL, method = "POST", receivedAt = RECEIVED_AT }: RequestParts): SignedRequest {
  return { method, url, headers, body: typeof body === "string" ? new TextEncoder().encode(body) : body, receivedAt };
}

/** The same request with one body byte changed (lowest bit of a middle byte). */
export function withFlippedByte(request: SignedRequest, index = Math.floor(request.body.length / 2)): SignedRequest {
  const body = Uint8Array.from(request.body);
  body[index] = body[index]! ^ 0x01;
  return { ...request, body };
}

export function withoutHeader(request: SignedRequest, name: string): SignedRequest {
  return { ...request, headers: request.headers.filter(([key]) => key.toLowerCase() !== name.toLowerCase()) };
}

export function withHeader(request: SignedRequest, name: string, value: string): SignedRequest {
  return { ...withoutHeader(request, name), headers: [...withoutHeader(request, name).headers, [name, value]] };
}

export function expectVerdict(verdict: Verdict, status: Verdict["status"], reason: string | null = null): void {
  expect({ status: verdict.status, reason: verdict.reason }).toEqual({ status, reason });
}

export type SchemeCases = {
  provider: ProviderId;
  secret: string;
  wrongSecret: string;
  options?: unknown;
  /** Builds a request signed with `secret` (by the official package where one exists) at `timestampSeconds`. */
  sign: (secret: string, timestampSeconds: number, body?: string) => SignedRequest | Promise<SignedRequest>;
  /** The header whose absence must be reported first. */
  signatureHeader: string;
  malformed: { header: string; value: string; reason: string };
  /** For schemes with a tolerance: a signing time that is too old, and the reason it gives. */
  stale?: { timestampSeconds: number; reason: string };
  /** What a wrong secret, or a changed body, is reported as. */
  mismatchReason?: string;
  bodyChangeReason?: string;
};

/** The cases every provider must pass; provider-specific behaviour is tested beside each call. */
export function describeScheme(cases: SchemeCases): void {
  const verify = (request: SignedRequest, secrets = [cases.secret]) => verifySignature(cases.provider, request, secrets, cases.options);
  const signNow = () => cases.sign(cases.secret, RECEIVED_AT_SECONDS - 2);
  const mismatch = cases.mismatchReason ?? "no secret matches: body or secret differs";

  describe(`${cases.provider}: common cases`, () => {
    it("accepts a correctly signed request", async () => {
      expectVerdict(verify(await signNow()), "valid");
    });
    it("rejects a one-byte change of the body", async () => {
      expectVerdict(verify(withFlippedByte(await signNow())), "invalid", cases.bodyChangeReason ?? mismatch);
    });
    it("rejects a wrong secret", async () => {
      expectVerdict(verify(await signNow(), [cases.wrongSecret]), "invalid", mismatch);
    });
    it("passes when any of several secrets matches (rotation)", async () => {
      const request = await signNow();
      expectVerdict(verify(request, [cases.wrongSecret, cases.secret]), "valid");
      expectVerdict(verify(request, [cases.secret, cases.wrongSecret]), "valid");
    });
    it("is unchecked without a secret", async () => {
      expectVerdict(verify(await signNow(), []), "unchecked", "no secret configured");
    });
    it(`reports a missing ${cases.signatureHeader}`, async () => {
      expectVerdict(verify(withoutHeader(await signNow(), cases.signatureHeader)), "invalid", `missing header ${cases.signatureHeader}`);
    });
    it(`reports a malformed ${cases.malformed.header}`, async () => {
      const request = withHeader(await signNow(), cases.malformed.header, cases.malformed.value);
      expectVerdict(verify(request), "invalid", cases.malformed.reason);
    });
    it("reports a repeated signature header", async () => {
      const request = await signNow();
      const [, value] = request.headers.find(([name]) => name.toLowerCase() === cases.signatureHeader.toLowerCase())!;
      const doubled = { ...request, headers: [...request.headers, [cases.signatureHeader, value] as [string, string]] };
      expectVerdict(verify(doubled), "invalid", `malformed header ${cases.signatureHeader}: sent 2 times`);
    });
    const stale = cases.stale;
    if (stale) {
      it("rejects a stale timestamp, judged against when the request was received", async () => {
        const request = await cases.sign(cases.secret, stale.timestampSeconds);
        expectVerdict(verify(request), "invalid", stale.reason);
      });
    }
  });
}
