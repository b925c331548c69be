import { z } from "zod";
import { binAliasSchema } from "../aliases.ts";
import { maxRules } from "../responses.ts";
import { responseRuleSchema, responseSpecSchema } from "./responses.ts";
import { providerIds } from "../signature-providers.ts";
import { binIdPattern, requestIdPattern } from "../server/ids.ts";
import { signatureConfigSchema } from "../server/signatures/index.ts";

export const binParamsSchema = z.object({
  binId: z.string().regex(binIdPattern, "not a bin id"),
});

export const requestParamsSchema = binParamsSchema.extend({
  requestId: z.string().regex(requestIdPattern, "not a capture id"),
});

export const listRequestsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().regex(requestIdPattern, "cursor must be a capture id").optional(),
});

export const rawBodyQuerySchema = z.object({
  download: z.enum(["0", "1", "true", "false"]).optional(),
});

/**
 * PATCH /api/bins/{binId}: each field is optional and an absent one stays as it is;
 * null removes the signature check, the alias, or the custom default response.
 */
export const updateBinSchema = z
  .strictObject({
    signature: signatureConfigSchema.nullable().optional(),
    alias: binAliasSchema.nullable().optional(),
    response: responseSpecSchema.nullable().optional(),
    rules: z.array(responseRuleSchema).max(maxRules, `at most ${maxRules} rules`).optional(),
  })
  .refine((changes) => Object.keys(changes).length > 0, "give at least one of signature, alias, response, rules");

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
