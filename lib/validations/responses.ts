import { z } from "zod";
import {
  framingHeaders,
  headerNamePattern,
  invalidHeaderValueChar,
  maxDelayMs,
  maxResponseBodyBytes,
  maxResponseHeaders,
  maxRules,
} from "../responses.ts";

/** Strict schemas for bins' responses and rules (lib/responses.ts), for PATCH, configuration and stored rows. */
const headerNameSchema = z
  .string()
  .regex(headerNamePattern, "not a valid header name")
  .refine((name) => !framingHeaders.has(name.toLowerCase()), "is set by Hookyard itself and cannot be chosen");

const headerValueSchema = z
  .string()
  .max(8 * 1024)
  .refine((value) => !invalidHeaderValueChar.test(value), "contains characters a header value cannot carry");

export const responseSpecSchema = z.strictObject({
  // 1xx are interim answers: a client keeps waiting for a final one that never comes.
  status: z.number().int().min(200, "must be 200–599 (1xx are not final answers)").max(599, "must be 200–599"),
  headers: z.array(z.tuple([headerNameSchema, headerValueSchema])).max(maxResponseHeaders).default([]),
  body: z
    .string()
    .default("")
    .refine((body) => new TextEncoder().encode(body).length <= maxResponseBodyBytes, `must be at most ${maxResponseBodyBytes} bytes`),
  delayMs: z.number().int().min(0).max(maxDelayMs, `must be at most ${maxDelayMs} ms`).default(0),
});

const methodSchema = z
  .string()
  .regex(/^(?:ANY|[A-Z][A-Z-]{0,31})$/, 'must be "ANY" or a method in capitals such as POST');

const pathMatchSchema = z.strictObject({
  mode: z.enum(["exact", "prefix", "glob"]),
  value: z.string().min(1).max(512).regex(/^[^?#\s]*$/, "a sub-path has no query, fragment or spaces"),
});

const jsonScalarSchema = z.union([z.string().max(4096), z.number(), z.boolean(), z.null()]);

export const responseRuleSchema = z.strictObject({
  method: methodSchema.default("ANY"),
  path: pathMatchSchema.nullable().default(null),
  header: z.strictObject({ name: z.string().regex(headerNamePattern, "not a valid header name"), value: headerValueSchema.nullable().default(null) }).nullable().default(null),
  json: z
    .strictObject({ path: z.string().min(1).max(256).regex(/^[^.]+(?:\.[^.]+)*$/, "a dotted path such as data.object.id"), equals: jsonScalarSchema })
    .nullable()
    .default(null),
  response: responseSpecSchema,
});

export const responseSettingsSchema = z.strictObject({
  response: responseSpecSchema.nullable().default(null),
  rules: z.array(responseRuleSchema).max(maxRules, `at most ${maxRules} rules`).default([]),
});

