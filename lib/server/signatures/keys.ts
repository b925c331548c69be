import { createPublicKey, type KeyObject } from "node:crypto";
import { decodeBase64, decodeHex } from "./shared.ts";

/**
 * Public keys for the asymmetric schemes (Ed25519, ECDSA P-256). Parsers return a problem description instead
 * of throwing, so both the options schema and the verifier can report an unusable key by position.
 */
export type ParsedKey = { key: KeyObject } | { problem: string };

/** A raw 32-byte Ed25519 public key, imported through JWK because Node has no raw import for it. */
export function ed25519FromRaw(raw: Uint8Array): ParsedKey {
  if (raw.length !== 32) return { problem: `an Ed25519 public key is 32 bytes, got ${raw.length}` };
  return { key: createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(raw).toString("base64url") }, format: "jwk" }) };
}

/** Discord shows the application's public key as 64 hex digits. */
export function ed25519FromHex(text: string): ParsedKey {
  const raw = decodeHex(text.trim());
  return raw ? ed25519FromRaw(raw) : { problem: "not hex" };
}

/** SendGrid shows the verification key as base64 DER (SPKI); a PEM block is accepted too. */
export function ecdsaP256FromText(text: string): ParsedKey {
  const trimmed = text.trim();
  try {
    const key = trimmed.startsWith("-----BEGIN") ? createPublicKey({ key: trimmed, format: "pem" }) : fromDer(trimmed.replace(/\s+/g, ""));
    if (!key) return { problem: "neither PEM nor base64 DER" };
    if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
      return { problem: "not an ECDSA P-256 public key" };
    }
    return { key };
  } catch {
    // Node's parse errors may quote the input; a key is public, but keep messages uniform anyway.
    return { problem: "neither PEM nor base64 DER" };
  }
}

function fromDer(text: string): KeyObject | null {
  const der = decodeBase64(text);
  return der ? createPublicKey({ key: der, format: "der", type: "spki" }) : null;
}
