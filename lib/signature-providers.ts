/**
 * The webhook providers Hookyard can check, as the dashboard presents them. Client-safe:
 * the verification itself lives in lib/server/signatures. Ids are stored with a bin's
 * settings: never rename one.
 */
export const providerIds = [
  "stripe",
  "github",
  "shopify",
  "slack",
  "standard-webhooks",
  "twilio",
  "paddle",
  "square",
  "discord",
  "sendgrid",
  "linear",
  "hubspot",
  "generic-hmac",
] as const;

export type ProviderId = (typeof providerIds)[number];

/**
 * Providers whose signature Hookyard can compute afresh when forwarding: those that sign
 * a timestamp (so an old capture can pass the target's tolerance again), plus GitHub and
 * Shopify, whose signature an edited body invalidates. lib/server/signatures/resign.ts
 * has one signer per id here, checked by its type.
 */
export const resignableProviderIds = ["stripe", "slack", "paddle", "standard-webhooks", "github", "shopify"] as const satisfies readonly ProviderId[];

export type ResignableProviderId = (typeof resignableProviderIds)[number];

export function canResign(provider: ProviderId): provider is ResignableProviderId {
  return (resignableProviderIds as readonly ProviderId[]).includes(provider);
}

export type ProviderInfo = {
  label: string;
  /** What the user pastes: a shared secret, or a public key for asymmetric schemes. */
  secretLabel: string;
  /** Default timestamp tolerance in seconds, when the scheme signs a timestamp. */
  toleranceSeconds?: number;
  /** The scheme signs the URL, which may differ from the captured one behind a proxy. */
  signsUrl?: boolean;
};

export const providers: Record<ProviderId, ProviderInfo> = {
  stripe: { label: "Stripe", secretLabel: "Signing secret (whsec_…)", toleranceSeconds: 300 },
  github: { label: "GitHub", secretLabel: "Webhook secret" },
  shopify: { label: "Shopify", secretLabel: "App client secret" },
  slack: { label: "Slack", secretLabel: "Signing secret", toleranceSeconds: 300 },
  "standard-webhooks": { label: "Standard Webhooks / Svix", secretLabel: "Secret (whsec_…) or public key (whpk_…)", toleranceSeconds: 300 },
  twilio: { label: "Twilio", secretLabel: "Auth token", signsUrl: true },
  paddle: { label: "Paddle Billing", secretLabel: "Endpoint secret key", toleranceSeconds: 5 },
  square: { label: "Square", secretLabel: "Signature key", signsUrl: true },
  discord: { label: "Discord", secretLabel: "Application public key (hex)" },
  sendgrid: { label: "SendGrid", secretLabel: "Verification key (PEM or base64)" },
  linear: { label: "Linear", secretLabel: "Webhook signing secret", toleranceSeconds: 60 },
  hubspot: { label: "HubSpot (v3)", secretLabel: "App client secret", toleranceSeconds: 300, signsUrl: true },
  "generic-hmac": { label: "Generic HMAC", secretLabel: "Shared secret", toleranceSeconds: 300 },
};

export function isProviderId(value: string): value is ProviderId {
  return (providerIds as readonly string[]).includes(value);
}
