import { z } from "zod";
import { verifyDiscord, discordOptionsSchema } from "./discord.ts";
import { verifyGenericHmac, genericHmacOptionsSchema } from "./generic-hmac.ts";
import { verifyGithub, githubOptionsSchema } from "./github.ts";
import { verifyHubspot, hubspotOptionsSchema } from "./hubspot.ts";
import { ecdsaP256FromText, ed25519FromHex } from "./keys.ts";
import { verifyLinear, linearOptionsSchema } from "./linear.ts";
import { verifyPaddle, paddleOptionsSchema } from "./paddle.ts";
import { reason, unchecked } from "./reasons.ts";
import { verifySendgrid, sendgridOptionsSchema } from "./sendgrid.ts";
import { hasHeader } from "./shared.ts";
import { verifyShopify, shopifyOptionsSchema } from "./shopify.ts";
import { verifySlack, slackOptionsSchema } from "./slack.ts";
import { verifySquare, squareOptionsSchema } from "./square.ts";
import { parseStandardSecret, standardWebhooksOptionsSchema, verifyStandardWebhooks } from "./standard-webhooks.ts";
import { verifyStripe, stripeOptionsSchema } from "./stripe.ts";
import { verifyTwilio, twilioOptionsSchema } from "./twilio.ts";
import type { Outcome, ProviderId, SignedRequest, Verdict } from "./types.ts";

export { maskSecret } from "./mask.ts";
export { providerIds } from "./types.ts";
export type { ProviderId, SignedRequest, Verdict, VerdictStatus } from "./types.ts";

type Provider<Schema extends z.ZodType> = {
  optionsSchema: Schema;
  verify: (request: SignedRequest, secrets: string[], options: z.output<Schema>) => Outcome;
  /** Checks one configured secret or key; returns what is wrong with it, never its value. */
  checkSecret?: (secret: string) => string | null;
};

const define = <Schema extends z.ZodType>(provider: Provider<Schema>) => provider;
const problemOf = (parsed: object): string | null => ("problem" in parsed ? String(parsed.problem) : null);

const providers = {
  stripe: define({ optionsSchema: stripeOptionsSchema, verify: verifyStripe }),
  github: define({ optionsSchema: githubOptionsSchema, verify: verifyGithub }),
  shopify: define({ optionsSchema: shopifyOptionsSchema, verify: verifyShopify }),
  slack: define({ optionsSchema: slackOptionsSchema, verify: verifySlack }),
  "standard-webhooks": define({
    optionsSchema: standardWebhooksOptionsSchema,
    verify: verifyStandardWebhooks,
    checkSecret: (secret) => problemOf(parseStandardSecret(secret)),
  }),
  twilio: define({ optionsSchema: twilioOptionsSchema, verify: verifyTwilio }),
  paddle: define({ optionsSchema: paddleOptionsSchema, verify: verifyPaddle }),
  square: define({ optionsSchema: squareOptionsSchema, verify: verifySquare }),
  discord: define({
    optionsSchema: discordOptionsSchema,
    verify: verifyDiscord,
    checkSecret: (key) => problemOf(ed25519FromHex(key)),
  }),
  sendgrid: define({
    optionsSchema: sendgridOptionsSchema,
    verify: verifySendgrid,
    checkSecret: (key) => problemOf(ecdsaP256FromText(key)),
  }),
  linear: define({ optionsSchema: linearOptionsSchema, verify: verifyLinear }),
  hubspot: define({ optionsSchema: hubspotOptionsSchema, verify: verifyHubspot }),
  "generic-hmac": define({ optionsSchema: genericHmacOptionsSchema, verify: verifyGenericHmac }),
} satisfies Record<ProviderId, Provider<z.ZodType>>;

/** Options accepted for each provider, for the API to validate `{ provider, secrets, options }`. */
export type ProviderOptions<P extends ProviderId> = z.input<(typeof providers)[P]["optionsSchema"]>;

/**
 * Checks `request` against the provider's scheme with every secret (rotation: any match passes).
 * Never throws and never puts a secret into the verdict; options that fail the provider's schema give `unchecked`.
 */
export function verifySignature(provider: ProviderId, request: SignedRequest, secrets: string[], options: unknown = {}): Verdict {
  const entry: Provider<z.ZodType> = providers[provider];
  const parsed = entry.optionsSchema.safeParse(options ?? {});
  if (!parsed.success) return { provider, ...unchecked(reason.invalidOptions(describeIssues(parsed.error))) };
  return { provider, ...entry.verify(request, secrets, parsed.data) };
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => (issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message)).join("; ");
}

/** Characteristic headers, most specific first: SendGrid's name starts like Twilio's, Svix reuses Standard Webhooks. */
const detection: [string, ProviderId][] = [
  ["stripe-signature", "stripe"],
  ["x-hub-signature-256", "github"],
  ["x-hub-signature", "github"],
  ["x-shopify-hmac-sha256", "shopify"],
  ["x-slack-signature", "slack"],
  ["webhook-signature", "standard-webhooks"],
  ["svix-signature", "standard-webhooks"],
  ["x-twilio-email-event-webhook-signature", "sendgrid"],
  ["x-twilio-signature", "twilio"],
  ["paddle-signature", "paddle"],
  ["x-square-hmacsha256-signature", "square"],
  ["x-signature-ed25519", "discord"],
  ["linear-signature", "linear"],
  ["x-hubspot-signature-v3", "hubspot"],
];

/** The provider whose signature header is present, or null. Never guesses `generic-hmac`. */
export function detectProvider(headers: [string, string][]): ProviderId | null {
  return detection.find(([name]) => hasHeader(headers, name))?.[1] ?? null;
}

const secretText = z.string().trim().min(1, "empty secret").max(8192, "secret too long");

function configSchemaFor<P extends ProviderId>(provider: P) {
  const entry: (typeof providers)[P] = providers[provider];
  // Spelled out so TypeScript keeps each provider's own options type instead of the union of all.
  const optionsSchema: (typeof providers)[P]["optionsSchema"] = entry.optionsSchema;
  const check: ((secret: string) => string | null) | undefined = "checkSecret" in entry ? entry.checkSecret : undefined;
  return z.strictObject({
    provider: z.literal(provider),
    secrets: z
      .array(secretText)
      .max(10, "at most 10 secrets")
      .superRefine((secrets, ctx) => {
        secrets.forEach((secret, index) => {
          const problem = check?.(secret);
          if (problem) ctx.addIssue({ code: "custom", path: [index], message: problem });
        });
      }),
    // An absent `options` is parsed as `{}` so the provider's own defaults apply.
    options: z.preprocess((value) => value ?? {}, optionsSchema),
  });
}

/**
 * `{ provider, secrets, options }` as the API accepts it. Secrets are checked per provider where they have a
 * format (Standard Webhooks `whsec_`/`whpk_`, Discord and SendGrid public keys); issue messages never quote them.
 */
export const signatureConfigSchema = z.discriminatedUnion("provider", [
  configSchemaFor("stripe"),
  configSchemaFor("github"),
  configSchemaFor("shopify"),
  configSchemaFor("slack"),
  configSchemaFor("standard-webhooks"),
  configSchemaFor("twilio"),
  configSchemaFor("paddle"),
  configSchemaFor("square"),
  configSchemaFor("discord"),
  configSchemaFor("sendgrid"),
  configSchemaFor("linear"),
  configSchemaFor("hubspot"),
  configSchemaFor("generic-hmac"),
]);
export type SignatureConfig = z.output<typeof signatureConfigSchema>;
