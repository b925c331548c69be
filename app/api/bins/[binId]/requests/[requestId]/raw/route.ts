import { downloadExtension } from "@/lib/body";
import { getDecodedBodyOrThrow } from "@/lib/server/decoding/decoded-body";
import { authorizedParams, parseQuery, withApi } from "@/lib/server/http/api";
import { getRequestBodyOrThrow } from "@/lib/server/storage/requests";
import { rawBodyQuerySchema, requestParamsSchema } from "@/lib/validations/bins";

type Context = { params: Promise<{ binId: string; requestId: string }> };

export const GET = withApi(async (request: Request, { params }: Context) => {
  const { binId, requestId } = await authorizedParams(request, requestParamsSchema, params, "read");
  const { download, decoded } = parseQuery(rawBodyQuerySchema, request);
  // Next drops any Content-Length a route handler sets (send-response.js): Node adds
  // one for bytes sent at once (a small body); a large one is streamed chunk by chunk
  // with chunked transfer encoding.
  const { body, contentType } = decoded ? await decodedBody(binId, requestId) : await getRequestBodyOrThrow(binId, requestId);
  const name = `${requestId}${decoded ? ".decoded" : ""}.${downloadExtension(contentType)}`;
  return new Response(body instanceof Uint8Array ? Buffer.from(body) : body, {
    headers: {
      "Content-Type": contentType ?? "application/octet-stream",
      // The bytes are whatever a stranger sent: even if they claim to be HTML, a
      // sandboxed, script-less document on an opaque origin cannot touch the dashboard.
      "Content-Security-Policy": "sandbox; default-src 'none'",
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": "no-store",
      ...(download ? { "Content-Disposition": `attachment; filename="${name}"` } : {}),
    },
  });
});

async function decodedBody(binId: string, requestId: string): Promise<{ body: Uint8Array; contentType: string | null }> {
  const { bytes, contentType } = await getDecodedBodyOrThrow(binId, requestId);
  return { body: bytes, contentType };
}
