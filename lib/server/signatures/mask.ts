/**
 * A hint for showing a configured secret without revealing it: the non-secret prefix up to the last `_`
 * (`whsec_`, `pdl_ntfset_`) and the last 4 characters, e.g. `whsec_…4f2a`. Short secrets show no tail at all,
 * since 4 characters would be a large share of them.
 */
export function maskSecret(secret: string): string {
  const text = secret.trim();
  const underscore = text.lastIndexOf("_");
  const prefix = underscore > 0 && underscore < 16 ? text.slice(0, underscore + 1) : "";
  const rest = text.slice(prefix.length);
  return rest.length >= 16 ? `${prefix}…${rest.slice(-4)}` : `${prefix}…`;
}
