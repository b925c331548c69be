import { z } from "zod";
import {
  type AnswerOrigin,
  framingHeaders,
  headerNamePattern,
  headerRefusal,
  invalidHeaderValueChar,
  maxDelayMs,
  maxResponseBodyBytes,
  maxResponseHeaderBytes,
  maxResponseHeaders,
  maxResponseSettingsBytes,
  maxRules,
  type ResponseRule,
  type ResponseSpec,
} from "../responses.ts";

const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;

/** Longest glob: matching costs path length × pattern length / 32 (see globMatches). */
export const maxGlobLength = 256;

/** Strict schemas for bins' responses and rules (lib/responses.ts), for PATCH, configuration and stored rows. */
const headerNameSchema = z.string().regex(headerNamePattern, "not a valid header name");

const headerValueSchema = z
  .string()
  .max(8 * 1024)
  .refine((value) => !invalidHeaderValueChar.test(value), "contains characters a header value cannot carry");

/** A [name, value] pair a response may carry from any origin; the message names the header. */
const responseHeaderSchema = z.tuple([headerNameSchema, headerValueSchema]).superRefine(([name], ctx) => {
  if (framingHeaders.has(name.toLowerCase())) ctx.addIssue({ code: "custom", path: [0], message: `${name} is set by Hookyard itself and cannot be chosen` });
});

export const responseSpecSchema = z.strictObject({
  // 1xx are interim answers: a client keeps waiting for a final one that never comes.
  status: z.number().int().min(200, "must be 200–599 (1xx are not final answers)").max(599, "must be 200–599"),
  headers: z
    .array(responseHeaderSchema)
    .max(maxResponseHeaders)
    .default([])
    .refine(
      (headers) => headers.reduce((total, [name, value]) => total + name.length + utf8Bytes(value), 0) <= maxResponseHeaderBytes,
      `names and values together must be at most ${maxResponseHeaderBytes / 1024} KiB`,
    ),
  body: z
    .string()
    .default("")
    .refine((body) => utf8Bytes(body) <= maxResponseBodyBytes, `must be at most ${maxResponseBodyBytes} bytes`),
  delayMs: z.number().int().min(0).max(maxDelayMs, `must be at most ${maxDelayMs} ms`).default(0),
});

const methodSchema = z.string().regex(/^(?:ANY|[A-Z][A-Z-]{0,31})$/, 'must be "ANY" or a method in capitals such as POST');

const pathMatchSchema = z
  .strictObject({
    mode: z.enum(["exact", "prefix", "glob"]),
    value: z
      .string()
      .min(1)
      .max(512)
      .regex(/^[^?#\s]*$/, "a sub-path has no query, fragment or spaces"),
  })
  .refine((match) => match.mode !== "glob" || match.value.length <= maxGlobLength, {
    path: ["value"],
    message: `a glob is at most ${maxGlobLength} characters`,
  });

const jsonScalarSchema = z.union([z.string().max(4096), z.number(), z.boolean(), z.null()]);

export const responseRuleSchema = z.strictObject({
  method: methodSchema.default("ANY"),
  path: pathMatchSchema.nullable().default(null),
  header: z
    .strictObject({ name: z.string().regex(headerNamePattern, "not a valid header name"), value: headerValueSchema.nullable().default(null) })
    .nullable()
    .default(null),
  json: z
    .strictObject({
      path: z
        .string()
        .min(1)
        .max(256)
        .regex(/^[^.]+(?:\.[^.]+)*$/, "a dotted path such as data.object.id"),
      equals: jsonScalarSchema,
    })
    .nullable()
    .default(null),
  response: responseSpecSchema,
});

export const responseSettingsSchema = z.strictObject({
  response: responseSpecSchema.nullable().default(null),
  rules: z.array(responseRuleSchema).max(maxRules, `at most ${maxRules} rules`).default([]),
});

type SettingsParts = { response?: ResponseSpec | null; rules?: readonly ResponseRule[] };

/**
 * Headers the given parts may not send from where they will be served (see
 * headerRefusal: `dashboard` unless captures have an origin of their own), each problem
 * named by where it is, as a ZodError would be.
 */
export function responseHeaderProblems(settings: SettingsParts, origin: AnswerOrigin): string[] {
  const problems: string[] = [];
  const check = (spec: ResponseSpec | null | undefined, where: string) =>
    spec?.headers.forEach(([name, value], index) => {
      const refusal = headerRefusal(name, value, origin);
      if (refusal) problems.push(`${where}.headers.${index}: ${refusal}`);
    });
  check(settings.response, "response");
  settings.rules?.forEach((rule, index) => check(rule.response, `rules.${index}.response`));
  return problems;
}

/** Every bin's settings are kept in memory: the default response and rules together stay within maxResponseSettingsBytes. */
export function responseSettingsSizeProblem(settings: { response: ResponseSpec | null; rules: readonly ResponseRule[] }): string | null {
  const size = utf8Bytes(JSON.stringify({ response: settings.response, rules: settings.rules }));
  return size > maxResponseSettingsBytes ? `response and rules: ${size} bytes together, at most ${maxResponseSettingsBytes / 1024} KiB` : null;
}

/** Both checks, for settings declared whole (HOOKYARD_BINS). */
export function responseSettingsProblems(settings: { response: ResponseSpec | null; rules: readonly ResponseRule[] }, origin: AnswerOrigin): string[] {
  const size = responseSettingsSizeProblem(settings);
  return [...responseHeaderProblems(settings, origin), ...(size ? [size] : [])];
}
