import { canResign, type ResignableProviderId, resignableProviderIds } from "../../signature-providers.ts";
import type { HeaderPair } from "../../types.ts";
import { parseStandardSecret } from "./standard-webhooks.ts";
import { hasHeader, hmac } from "./shared.ts";
import type { ProviderId } from "./types.ts";

/**
 * Signs a request afresh, as its provider would now: a new timestamp where the scheme
 * signs one, over the body that is actually sent. Used when forwarding a capture older
 * than the provider's tolerance, or an edited one. Signature headers are replaced in
 * place (same name, same position); missing ones are appended.
 */
export type ResignInput = { headers: HeaderPair[]; body: Uint8Array; secret: string; nowSeconds: number };

type Resigner = (input: ResignInput) => HeaderPair[] | { problem: string };

/** Replaces the value of every header called `name` (case-insensitive), or appends it. */
function setHeader(headers: HeaderPair[], name: string, value: string): HeaderPair[] {
  const lower = name.toLowerCase();
  if (!headers.some(([key]) => key.toLowerCase() === lower)) return [...headers, [name, value]];
  let seen = false;
  return headers.flatMap(([key, current]): HeaderPair[] => {
    if (key.toLowerCase() !== lower) return [[key, current]];
    if (seen) return []; // one signature header, never a stale duplicate
    seen = true;
    return [[key, value]];
  });
}

function headerValue(headers: HeaderPair[], name: string): string | undefined {
  return headers.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
}

const resigners: Record<ResignableProviderId, Resigner> = {
  stripe: ({ headers, body, secret, nowSeconds }) => {
    const t = String(nowSeconds);
    const v1 = hmac("sha256", secret, [`${t}.`, body]).toString("hex");
    return setHeader(headers, "Stripe-Signature", `t=${t},v1=${v1}`);
  },
  slack: ({ headers, body, secret, nowSeconds }) => {
    const ts = String(nowSeconds);
    const signature = hmac("sha256", secret, [`v0:${ts}:`, body]).toString("hex");
    return setHeader(setHeader(headers, "X-Slack-Request-Timestamp", ts), "X-Slack-Signature", `v0=${signature}`);
  },
  paddle: ({ headers, body, secret, nowSeconds }) => {
    const ts = String(nowSeconds);
    return setHeader(headers, "Paddle-Signature", `ts=${ts};h1=${hmac("sha256", secret, [`${ts}:`, body]).toString("hex")}`);
  },
  "standard-webhooks": ({ headers, body, secret, nowSeconds }) => {
    const parsed = parseStandardSecret(secret);
    if ("problem" in parsed) return { problem: parsed.problem };
    if (parsed.kind !== "v1") return { problem: "a whpk_ public key can verify but not sign" };
    const family = !hasHeader(headers, "webhook-signature") && hasHeader(headers, "svix-signature") ? "svix" : "webhook";
    const id = headerValue(headers, `${family}-id`);
    if (!id) return { problem: `the capture has no ${family}-id header to sign` };
    const ts = String(nowSeconds);
    const signature = hmac("sha256", parsed.key, [`${id}.${ts}.`, body]).toString("base64");
    return setHeader(setHeader(headers, `${family}-timestamp`, ts), `${family}-signature`, `v1,${signature}`);
  },
  // No timestamp, but an edited body needs a new signature.
  github: ({ headers, body, secret }) => {
    const next = setHeader(headers, "X-Hub-Signature-256", `sha256=${hmac("sha256", secret, [body]).toString("hex")}`);
    return hasHeader(headers, "X-Hub-Signature") ? setHeader(next, "X-Hub-Signature", `sha1=${hmac("sha1", secret, [body]).toString("hex")}`) : next;
  },
  shopify: ({ headers, body, secret }) => setHeader(headers, "X-Shopify-Hmac-Sha256", hmac("sha256", secret, [body]).toString("base64")),
};

/** The headers (lower case) whose value is a signature each re-signer computes. */
const signatureHeaderNames: Record<ResignableProviderId, string[]> = {
  stripe: ["stripe-signature"],
  slack: ["x-slack-signature"],
  paddle: ["paddle-signature"],
  "standard-webhooks": ["webhook-signature", "svix-signature"],
  github: ["x-hub-signature-256", "x-hub-signature"],
  shopify: ["x-shopify-hmac-sha256"],
};

/**
 * The headers with fresh signatures, and the names of the headers that hold them (so
 * they are never shown or kept; see `hideSignatures`), or what prevents signing.
 * Never throws.
 */
export function resignRequest(provider: ProviderId, input: ResignInput): { headers: HeaderPair[]; signatureHeaders: string[] } | { problem: string } {
  if (!canResign(provider)) return { problem: `re-signing is not supported for ${provider} (supported: ${resignableProviderIds.join(", ")})` };
  const result = resigners[provider](input);
  if (!Array.isArray(result)) return result;
  const names = new Set(signatureHeaderNames[provider]);
  const signatureHeaders = [...new Set(result.map(([name]) => name).filter((name) => names.has(name.toLowerCase())))];
  return { headers: result, signatureHeaders };
}

/** What a stored or shown attempt holds in place of a signature Hookyard computed. */
export const resignedMarker = "(re-signed)";

/**
 * A re-signed attempt as it may be kept and shown: the signature headers' values
 * replaced by `(re-signed)`, in the headers sent and wherever the target's answer
 * repeats them (an error page echoing the request, say). A signature Hookyard made is
 * a valid signature over a body the sender chose; kept, anyone who can read the
 * attempt could replay it to the real endpoint within the provider's tolerance,
 * whether or not this attempt reached it. The bin's owner holds the secret and loses
 * nothing. An answer whose body had a value replaced no longer has its exact bytes.
 */
export function hideSignatures(
  sent: HeaderPair[],
  signatureHeaders: string[],
  answer: { headers: HeaderPair[]; body: Buffer } | null,
): { sent: HeaderPair[]; answer: { headers: HeaderPair[]; body: Buffer } | null } {
  if (signatureHeaders.length === 0) return { sent, answer };
  const names = new Set(signatureHeaders.map((name) => name.toLowerCase()));
  const values = sent.filter(([name]) => names.has(name.toLowerCase())).map(([, value]) => value);
  // The whole value and each long part of it (`t=…,v1=<hex>` → the hex), as written
  // and JSON-escaped (`\/`), longest first so a part never breaks up a whole.
  const parts = values.flatMap((value) => [value, ...value.split(/[,;= ]+/).filter((part) => part.length >= 16)]);
  const needles = [...new Set(parts.flatMap((part) => [part, part.replaceAll("/", "\\/")]))]
    .filter((needle) => needle.length >= 16)
    .sort((a, b) => b.length - a.length);
  const scrub = (text: string) => needles.reduce((current, needle) => current.replaceAll(needle, resignedMarker), text);
  return {
    sent: sent.map(([name, value]): HeaderPair => [name, names.has(name.toLowerCase()) ? resignedMarker : value]),
    answer: answer && { headers: answer.headers.map(([name, value]): HeaderPair => [name, scrub(value)]), body: scrubBytes(answer.body, needles) },
  };
}

function scrubBytes(body: Buffer, needles: string[]): Buffer {
  let current = body;
  for (const needle of needles) {
    const pattern = Buffer.from(needle, "latin1");
    if (current.indexOf(pattern) === -1) continue;
    const pieces: Buffer[] = [];
    let from = 0;
    for (let at = current.indexOf(pattern); at !== -1; at = current.indexOf(pattern, from)) {
      pieces.push(current.subarray(from, at), Buffer.from(resignedMarker));
      from = at + pattern.length;
    }
    pieces.push(current.subarray(from));
    current = Buffer.concat(pieces);
  }
  return current;
}
