import { z } from "zod";
import { invalid, reason, unchecked, valid } from "./reasons.ts";
import { decodeHex, hasHeader, hmac, macMatchesAny, requireHeader, type HmacAlgorithm } from "./shared.ts";
import type { Outcome, SignedRequest } from "./types.ts";

export const githubOptionsSchema = z.strictObject({});
export type GithubOptions = z.output<typeof githubOptionsSchema>;

const SHA256_HEADER = "X-Hub-Signature-256";
const SHA1_HEADER = "X-Hub-Signature";

/**
 * `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the body. Only when that header is absent is the legacy
 * SHA-1 `X-Hub-Signature: sha1=<hex>` used, so a forged SHA-1 header cannot stand in for a bad SHA-256 one.
 */
export function verifyGithub(request: SignedRequest, secrets: string[], _options: GithubOptions): Outcome {
  if (secrets.length === 0) return unchecked(reason.noSecret());
  const legacy = !hasHeader(request.headers, SHA256_HEADER) && hasHeader(request.headers, SHA1_HEADER);
  const [name, algorithm]: [string, HmacAlgorithm] = legacy ? [SHA1_HEADER, "sha1"] : [SHA256_HEADER, "sha256"];
  const header = requireHeader(request, name);
  if ("problem" in header) return header.problem;

  const prefix = `${algorithm}=`;
  const digest = header.value.startsWith(prefix) ? decodeHex(header.value.slice(prefix.length)) : null;
  if (!digest) return invalid(reason.malformedHeader(name, `expected ${prefix}<hex digest>`));

  const matched = secrets.some((secret) => macMatchesAny(hmac(algorithm, secret, [request.body]), [digest]));
  return matched ? valid() : invalid(reason.noSecretMatches());
}
