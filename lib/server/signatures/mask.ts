/**
 * A hint for showing a configured secret without revealing it: the non-secret type prefix
 * (`whsec_`, `pdl_ntfset_`) and the last 4 characters, e.g. `whsec_…4f2a`. Short secrets show no tail at all,
 * since 4 characters would be a large share of them.
 */
const knownPrefixes = ["whsec_", "whpk_", "pdl_ntfset_"];

export function maskSecret(secret: string): string {
  const text = secret.trim();
  // Only prefixes known to name a key type; anything else may be part of the secret.
  const prefix = knownPrefixes.find((candidate) => text.startsWith(candidate)) ?? "";
  const rest = text.slice(prefix.length);
  return rest.length >= 16 ? `${prefix}…${rest.slice(-4)}` : `${prefix}…`;
}
