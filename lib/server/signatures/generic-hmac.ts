import { z } from "zod";
import { invalid, reason, unchecked, valid } from "./reasons.ts";
import { checkTolerance, decodeBase64, decodeHex, hmac, macMatchesAny, parseIntegerTimestamp, requireHeader, type MessagePart } from "./shared.ts";
import type { Outcome, SignedRequest } from "./types.ts";

const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "not a header name");
const PLACEHOLDER = /\{(timestamp|id|body)\}/g;

export const genericHmacOptionsSchema = z
  .strictObject({
    algorithm: z.enum(["sha1", "sha256", "sha512"]).default("sha256"),
    encoding: z.enum(["hex", "base64"]).default("hex"),
    /** Header carrying the signature, e.g. `X-Signature`. */
    header: headerName,
    /** Text before the digest in that header, e.g. `sha256=`. */
    prefix: z.string().max(64).default(""),
    /** What is signed; `{body}` is the exact body bytes. Without a template only the body is signed. */
    template: z.string().min(1).max(512).optional(),
    timestampHeader: headerName.optional(),
    timestampUnit: z.enum(["s", "ms"]).default("s"),
    /** Only checked when a timestamp header is named. */
    toleranceSeconds: z.number().int().min(1).max(86_400).default(300),
    idHeader: headerName.optional(),
  })
  .superRefine((options, ctx) => {
    const template = options.template ?? "{body}";
    if (/\{(?!(timestamp|id|body)\})[^}]*\}/.test(template)) {
      ctx.addIssue({ code: "custom", path: ["template"], message: "only {timestamp}, {id} and {body} are allowed" });
    }
    // Each is signed once by every scheme we know; repeating `{body}` would make one
    // capture of MAX_BODY_BYTES cost dozens of times its size in HMAC work per secret,
    // and again for every capture each time the check changes.
    for (const name of ["timestamp", "id", "body"]) {
      if (template.split(`{${name}}`).length > 2) ctx.addIssue({ code: "custom", path: ["template"], message: `{${name}} may appear at most once` });
    }
    if (template.includes("{timestamp}") && !options.timestampHeader) {
      ctx.addIssue({ code: "custom", path: ["timestampHeader"], message: "the template uses {timestamp}" });
    }
    if (template.includes("{id}") && !options.idHeader) {
      ctx.addIssue({ code: "custom", path: ["idHeader"], message: "the template uses {id}" });
    }
  });
export type GenericHmacOptions = z.output<typeof genericHmacOptionsSchema>;

/** A user-described HMAC scheme, for senders without a dedicated module. */
export function verifyGenericHmac(request: SignedRequest, secrets: string[], options: GenericHmacOptions): Outcome {
  if (secrets.length === 0) return unchecked(reason.noSecret());
  const header = requireHeader(request, options.header);
  if ("problem" in header) return header.problem;
  if (!header.value.startsWith(options.prefix)) {
    return invalid(reason.malformedHeader(options.header, `expected the prefix ${options.prefix}`));
  }
  const encoded = header.value.slice(options.prefix.length).trim();
  const digest = options.encoding === "hex" ? decodeHex(encoded) : decodeBase64(encoded);
  if (!digest) return invalid(reason.malformedHeader(options.header, `not ${options.encoding}`));

  const values: Record<string, string> = {};
  let timestamp: number | null = null;
  if (options.timestampHeader) {
    const found = requireHeader(request, options.timestampHeader);
    if ("problem" in found) return found.problem;
    timestamp = parseIntegerTimestamp(found.value);
    if (timestamp === null) {
      const unit = options.timestampUnit === "s" ? "seconds" : "milliseconds";
      return invalid(reason.malformedHeader(options.timestampHeader, `not a Unix timestamp in ${unit}`));
    }
    values.timestamp = found.value;
  }
  if (options.idHeader) {
    const found = requireHeader(request, options.idHeader);
    if ("problem" in found) return found.problem;
    values.id = found.value;
  }

  const signed = fillTemplate(options.template ?? "{body}", values, request.body);
  const matched = secrets.some((secret) => macMatchesAny(hmac(options.algorithm, secret, signed), [digest]));
  if (!matched) return invalid(reason.noSecretMatches());
  if (timestamp === null) return valid();
  const millis = options.timestampUnit === "s" ? timestamp * 1000 : timestamp;
  return checkTolerance(millis, request.receivedAt, options.toleranceSeconds) ?? valid();
}

/** Splits the template around placeholders so the body is inserted as bytes, never decoded to text. */
function fillTemplate(template: string, values: Record<string, string>, body: Uint8Array): MessagePart[] {
  const parts: MessagePart[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    parts.push(template.slice(last, match.index));
    parts.push(match[1] === "body" ? body : (values[match[1]!] ?? ""));
    last = match.index + match[0].length;
  }
  parts.push(template.slice(last));
  return parts;
}
