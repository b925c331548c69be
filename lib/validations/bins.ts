import { z } from "zod";
import { binAliasSchema } from "../aliases.ts";
import { httpTokenPattern } from "../forward-headers.ts";
import { maxRules } from "../responses.ts";
import { providerIds } from "../signature-providers.ts";
import { binIdPattern, requestIdPattern } from "../server/bins/ids.ts";
import { maxCapturesCeiling } from "../types.ts";
import { signatureConfigSchema } from "../server/signatures/index.ts";
import { responseRuleSchema, responseSpecSchema } from "./responses.ts";

export const binParamsSchema = z.object({
  binId: z.string().regex(binIdPattern, "not a bin id"),
});

export const requestParamsSchema = binParamsSchema.extend({
  requestId: z.string().regex(requestIdPattern, "not a capture id"),
});

export const listRequestsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  // The `nextCursor` of the page before: the place (`seq`) of its last capture.
  cursor: z
    .string()
    .regex(/^[1-9][0-9]{0,14}$/, "cursor must be the nextCursor of the page before")
    .transform(Number)
    .optional(),
});

const flag = z
  .enum(["0", "1", "true", "false"])
  .optional()
  .transform((value) => value === "1" || value === "true");

export const rawBodyQuerySchema = z.object({
  download: flag,
  /** The body with its Content-Encoding undone. */
  decoded: flag,
});

export const partParamsSchema = requestParamsSchema.extend({
  index: z
    .string()
    .regex(/^(0|[1-9]\d{0,5})$/, "a part number")
    .transform(Number),
});

export const partQuerySchema = z.object({
  /** Shown in an <img> rather than downloaded: only for the image types the dashboard previews. */
  inline: flag,
});

const httpUrl = z
  .url({ protocol: /^https?$/, message: "must be an absolute http(s) URL such as http://localhost:4000/webhooks" })
  .max(4096, "URL too long")
  // The target is remembered and listed back: a password in it would be echoed.
  .refine((url) => !/^[a-z]+:\/\/[^/?#]*@/i.test(url), "must not hold credentials (user:password@): send them in an Authorization header instead");

/** Auto-forward attempts per capture (the first included) when none is given, and the most allowed. */
export const defaultForwardMaxAttempts = 5;
export const forwardMaxAttemptsLimit = 20;

/**
 * The bin's forwarding target; `enabled` turns auto-forward of every new capture on
 * or off. Fields left out keep their current value (enabled: off, maxAttempts: 5 at first).
 */
export const binForwardSchema = z.strictObject({
  url: httpUrl,
  enabled: z.boolean().optional(),
  maxAttempts: z.number().int().min(1).max(forwardMaxAttemptsLimit).optional(),
});
export type BinForwardInput = z.output<typeof binForwardSchema>;

/** A bin's own limit on the captures it keeps; older ones are pruned as new ones arrive. */
export const binMaxCapturesSchema = z
  .number()
  .int("must be a whole number")
  .min(1, "must keep at least 1 capture")
  .max(maxCapturesCeiling, `at most ${maxCapturesCeiling.toLocaleString("en-US")} captures`);

/**
 * PATCH /api/bins/{binId}: each field is optional and an absent one stays as it is;
 * null removes the signature check, the forwarding target, the alias, or the custom
 * default response, and brings the bin's capture limit back to MAX_CAPTURES_PER_BIN.
 * `cors` switches the answers to browsers' CORS preflights on or off.
 */
export const updateBinSchema = z
  .strictObject({
    signature: signatureConfigSchema.nullable().optional(),
    forward: binForwardSchema.nullable().optional(),
    alias: binAliasSchema.nullable().optional(),
    response: responseSpecSchema.nullable().optional(),
    rules: z.array(responseRuleSchema).max(maxRules, `at most ${maxRules} rules`).optional(),
    maxCaptures: binMaxCapturesSchema.nullable().optional(),
    cors: z.boolean().optional(),
  })
  .refine((changes) => Object.keys(changes).length > 0, "give at least one of signature, forward, alias, response, rules, maxCaptures, cors");

const headerName = z.string().regex(httpTokenPattern, "not a valid header name");
// Tab, visible ASCII and Latin-1 (one byte each on the wire, as captured values are read):
// no CR, LF or NUL that would end the header line, nothing Node's client cannot encode.
const headerValue = z
  .string()
  .regex(/^[\t\x20-\x7e\x80-\xff]*$/, "header values may hold tabs, visible ASCII and Latin-1 characters only: no CR, LF, NUL or other control characters");

/** POST .../forward: the capture as captured, or edited, to `url`. */
export const forwardSchema = z.strictObject({
  url: httpUrl,
  method: z
    .string()
    .regex(httpTokenPattern, "not a valid HTTP method")
    .max(32)
    // Node's client sends methods in upper case; record what is actually sent.
    .transform((method) => method.toUpperCase())
    .optional(),
  headers: z
    .array(z.tuple([headerName, headerValue]))
    .max(500)
    .optional(),
  bodyBase64: z.base64("bodyBase64 must be base64").optional(),
  appendPath: z.boolean().default(true),
  resign: z.boolean().default(false),
});
export type ForwardInput = z.output<typeof forwardSchema>;

/** POST .../verify: one provider and secret, tried once and never saved. */
export const verifyOnceSchema = z
  .strictObject({
    provider: z.enum(providerIds),
    secret: z.string(),
    options: z.unknown().optional(),
  })
  .transform((input, ctx) => {
    const parsed = signatureConfigSchema.safeParse({ provider: input.provider, secrets: [input.secret], options: input.options });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: issue.path[0] === "secrets" ? ["secret"] : issue.path });
      return z.NEVER;
    }
    return parsed.data;
  });

/** The longest a link may be made to last: a year. */
export const maxLinkSeconds = 365 * 24 * 3600;

export const grantParamsSchema = binParamsSchema.extend({
  linkId: z.string().regex(/^[A-Za-z0-9_-]{16}$/, "not a link id"),
});

/**
 * POST /api/bins/{binId}/links: a read-only share link (`viewer`), or a link that opens
 * the bin as its owner on another device or for the relay CLI (`owner`).
 */
export const createLinkSchema = z.strictObject({
  role: z.enum(["viewer", "owner"]).default("viewer"),
  /** Seconds the link works for; null or absent: until revoked. */
  expiresInSeconds: z.number().int().min(60, "at least 60 seconds").max(maxLinkSeconds, "at most a year").nullable().default(null),
  label: z.string().trim().max(100, "at most 100 characters").nullable().default(null),
});
