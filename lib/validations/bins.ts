import { z } from "zod";
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

/** PATCH /api/bins/{binId}: null removes the signature check. */
export const updateBinSchema = z.strictObject({
  signature: signatureConfigSchema.nullable(),
});

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
