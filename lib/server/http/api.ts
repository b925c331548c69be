import { ZodError, type z } from "zod";
import { getConfig } from "../../config.ts";
import { noResponseSettings } from "../../responses.ts";
import type { BinDto } from "../../types.ts";
import { type AccessNeed, authorizeBin, type BinAccess } from "../access/authorize.ts";
import { credentialsFrom } from "../access/credentials.ts";
import type { GrantRole } from "../access/grants.ts";
import type { BinRecord } from "../bins/bins.ts";
import { AppError, toProblem } from "../errors.ts";
import { clientIpHeader, requestOrigin } from "./node-http.ts";
import { storageRefusal } from "../storage/storage-health.ts";

/**
 * The one catch for route handlers: AppError → its status, ZodError → 422 with the
 * first problems spelled out, a database that is full → 507 or unavailable → 503,
 * anything else → a generic 500 (details only in the log).
 */
export function withApi<Context>(
  handler: (request: Request, context: Context) => Promise<Response>,
): (request: Request, context: Context) => Promise<Response> {
  return async (request, context) => {
    let response: Response;
    try {
      response = await handler(request, context);
    } catch (error) {
      response = problemResponse(error);
    }
    // What a bin's API answers depends on who asks: no shared cache may keep it.
    if (!response.headers.has("cache-control")) response.headers.set("Cache-Control", "private, no-store");
    response.headers.append("Vary", "Authorization, Cookie");
    return response;
  };
}

export function problemResponse(error: unknown): Response {
  if (error instanceof AppError) {
    return Response.json(toProblem(error), { status: error.status, headers: { ...error.headers, "Cache-Control": "no-store" } });
  }
  if (error instanceof ZodError) {
    const message = error.issues
      .slice(0, 5)
      .map((issue) => (issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
      .join("; ");
    return Response.json({ error: "validation_failed", message }, { status: 422 });
  }
  // A call through Prisma (settings, forwarding results) met a full database (507), or
  // one that is down, out of connections or too slow (503 with Retry-After).
  const refused = storageRefusal(error);
  if (refused) return problemResponse(refused);
  console.error("[api] unexpected error", error);
  return Response.json({ error: "internal_error", message: "Something went wrong on our side." }, { status: 500 });
}

/** Path parameters that do not fit their pattern name nothing that can exist: 404. */
export async function parseParams<Schema extends z.ZodType>(schema: Schema, params: Promise<unknown>): Promise<z.infer<Schema>> {
  const parsed = schema.safeParse(await params);
  if (!parsed.success) throw new AppError("not_found", `Not found: ${parsed.error.issues[0]?.message ?? "bad path"}.`);
  return parsed.data;
}

export function parseQuery<Schema extends z.ZodType>(schema: Schema, request: Request): z.infer<Schema> {
  return schema.parse(Object.fromEntries(new URL(request.url).searchParams));
}

/**
 * Path parameters (as `parseParams`) of a route under `/api/bins/{binId}`, once the
 * request has shown it may `need` that bin (see authorizeBin).
 * @throws AppError not_found (bad path, or no access), forbidden, too_many_requests
 */
export async function authorizedParams<Schema extends z.ZodType<{ binId: string }>>(
  request: Request,
  schema: Schema,
  params: Promise<unknown>,
  need: AccessNeed,
): Promise<z.infer<Schema> & { access: BinAccess }> {
  const parsed = await parseParams(schema, params);
  const access = await authorizeBin(parsed.binId, need, credentialsFrom(request.headers, requestClientIp(request.headers)));
  return { ...parsed, access };
}

/**
 * Base of the dashboard's URLs: PUBLIC_URL, else what the client used to reach us. The custom server drops X-Forwarded-* headers unless a proxy of ours sent the
 * request (TRUST_PROXY), so the ones a route handler sees can be believed.
 */
export function publicBaseUrl(headers: Headers): string {
  const config = getConfig();
  return config.publicUrl ?? requestOrigin(headers, `localhost:${config.port}`, false, true);
}

/** Base of the capture URLs we hand out: CAPTURE_URL when captures have an origin of their own, else publicBaseUrl. */
export function captureBaseUrl(headers: Headers): string {
  return getConfig().captureUrl ?? publicBaseUrl(headers);
}

/** The client's address as the custom server stamped it (see `clientIpHeader`). */
export function requestClientIp(headers: Headers): string {
  return headers.get(clientIpHeader) ?? "unknown";
}

/** `name` is the bin's alias when it has one, else its id. */
export function captureUrl(baseUrl: string, name: string): string {
  return `${baseUrl}/b/${name}`;
}

/**
 * The bin's settings as `role` may see them, for the API and the bin's page alike. A
 * viewer (a read-only share link) sees which signature check runs, as its verdicts are
 * on every capture, but no secret hints or options; no forwarding target, whose URL may
 * carry a key of its own; and no custom responses, whose templates and headers may hold
 * secrets too.
 */
export function binAsSeenBy(bin: BinRecord, role: GrantRole): BinRecord {
  if (role === "owner") return bin;
  return {
    ...bin,
    signature: bin.signature ? { provider: bin.signature.provider, secretHints: [], options: {} } : null,
    forward: null,
    responses: noResponseSettings,
  };
}

/** The bin as the API shows it to `role` (see binAsSeenBy). */
export function toBinDto(bin: BinRecord, baseUrl: string, role: GrantRole = "owner"): BinDto {
  const seen = binAsSeenBy(bin, role);
  return {
    id: seen.id,
    url: captureUrl(baseUrl, seen.alias ?? seen.id),
    createdAt: seen.createdAt.toISOString(),
    requestCount: seen.requestCount,
    captureLimit: seen.captureLimit,
    signature: seen.signature,
    forward: seen.forward,
    alias: seen.alias,
    response: seen.responses.response,
    rules: seen.responses.rules,
    cors: seen.cors,
    role,
  };
}

/**
 * Reads a JSON request body; malformed JSON is the client's error, not ours. Only a
 * JSON media type is accepted: a cross-site form or a `text/plain` fetch can send a
 * body without asking the browser's permission first, a JSON one cannot.
 * @throws AppError unsupported_media_type, bad_request
 */
export async function readJson(request: Request): Promise<unknown> {
  const type = request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase() ?? "";
  if (type !== "application/json" && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) {
    throw new AppError("unsupported_media_type", "The request body must be JSON, sent with Content-Type: application/json.");
  }
  try {
    return await request.json();
  } catch {
    throw new AppError("bad_request", "The request body must be valid JSON.");
  }
}
