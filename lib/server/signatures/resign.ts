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

/** The headers with fresh signatures, or what prevents signing. Never throws. */
export function resignRequest(provider: ProviderId, input: ResignInput): { headers: HeaderPair[] } | { problem: string } {
  if (!canResign(provider)) return { problem: `re-signing is not supported for ${provider} (supported: ${resignableProviderIds.join(", ")})` };
  const result = resigners[provider](input);
  return Array.isArray(result) ? { headers: result } : result;
}
