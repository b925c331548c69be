import type { Outcome } from "./types.ts";

/**
 * Every human-readable reason in one place so wording stays consistent across providers.
 * Reasons may name headers, URLs and secret positions ("secret #2"), never a secret's value.
 */
export const reason = {
  noSecret: () => "no secret configured",
  missingHeader: (name: string) => `missing header ${name}`,
  malformedHeader: (name: string, detail: string) => `malformed header ${name}: ${detail}`,
  repeatedHeader: (name: string, count: number) => `malformed header ${name}: sent ${count} times`,
  malformedBody: (detail: string) => `malformed body: ${detail}`,
  stale: (ageSeconds: number, toleranceSeconds: number) => `timestamp ${ageSeconds} s outside the ${toleranceSeconds} s tolerance`,
  future: (aheadSeconds: number, toleranceSeconds: number) => `timestamp ${aheadSeconds} s in the future, outside the ${toleranceSeconds} s tolerance`,
  noSecretMatches: () => "no secret matches: body or secret differs",
  noKeyMatches: () => "no public key matches: body or key differs",
  urlDiffers: (signedUrl: string) => `signed URL differs from the captured URL: the signature is for ${signedUrl}`,
  bodyHashDiffers: (param: string) => `body differs from the ${param} query parameter`,
  unusableSecret: (index: number, detail: string) => `secret #${index + 1} is unusable: ${detail}`,
  unusableKey: (index: number, detail: string) => `public key #${index + 1} is unusable: ${detail}`,
  invalidOptions: (detail: string) => `invalid options: ${detail}`,
} as const;

export const valid = (): Outcome => ({ status: "valid", reason: null });
export const invalid = (why: string): Outcome => ({ status: "invalid", reason: why });
export const unchecked = (why: string): Outcome => ({ status: "unchecked", reason: why });
