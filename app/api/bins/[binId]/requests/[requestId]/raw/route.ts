import { downloadExtension } from "@/lib/body";
import { authorizedParams, parseQuery, withApi } from "@/lib/server/http/api";
import { getRequestBodyOrThrow } from "@/lib/server/storage/requests";
import { rawBodyQuerySchema, requestParamsSchema } from "@/lib/validations/bins";

type Context = { params: Promise<{ binId: string; requestId: string }> };

export const GET = withApi(async (request: Request, { params }: Context) => {
  const { binId, requestId } = await authorizedParams(request, requestParamsSchema, params, "read");
  const { download } = parseQuery(rawBodyQuerySchema, request);
  const { body, contentType } = await getRequestBodyOrThrow(binId, requestId);
  const asAttachment = download === "1" || download === "true";
  // Next drops any Content-Length a route handler sets (send-response.js): Node adds
  // one for bytes sent at once (a small body); a large one is streamed chunk by chunk
  // with chunked transfer encoding.
  return new Response(body instanceof Uint8Array ? Buffer.from(body) : body, {
    headers: {
      "Content-Type": contentType ?? "application/octet-stream",
      // The bytes are whatever a stranger sent: even if they claim to be HTML, a
      // sandboxed, script-less document on an opaque origin cannot touch the dashboard.
      "Content-Security-Policy": "sandbox; default-src 'none'",
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": "no-store",
      ...(asAttachment ? { "Content-Disposition": `attachment; filename="${requestId}.${downloadExtension(contentType)}"` } : {}),
    },
  });
});
