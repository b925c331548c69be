import type { ProviderId } from "../../signature-providers.ts";

export { providerIds } from "../../signature-providers.ts";
export type { ProviderId };

/** A captured request exactly as it arrived: the signature is computed over these bytes, never a re-serialised form. */
export type SignedRequest = {
  method: string;
  /** Absolute URL as captured (scheme and host as the sender saw them). */
  url: string;
  /** Wire order, original case, duplicates kept. */
  headers: [string, string][];
  body: Uint8Array;
  /** When the request was received (ms since epoch); timestamp tolerance is judged against this, not "now". */
  receivedAt: number;
};

/**
 * `valid`: some configured secret or key verifies the request.
 * `invalid`: the request fails the scheme (missing or malformed header, mismatch, stale timestamp, ...).
 * `unchecked`: the check could not run (no secret configured, unusable secret or key, bad options).
 */
export type VerdictStatus = "valid" | "invalid" | "unchecked";

export type Verdict = { provider: ProviderId; status: VerdictStatus; reason: string | null };

/** What a provider module returns; the registry adds the provider id. */
export type Outcome = Omit<Verdict, "provider">;
