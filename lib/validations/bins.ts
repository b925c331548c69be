import { z } from "zod";
import { binIdPattern, requestIdPattern } from "../server/ids.ts";

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
