import { getPartOrThrow } from "@/lib/server/decoding/body-parts";
import { partResponseHeaders } from "@/lib/server/decoding/part-download";
import { authorizedParams, parseQuery, withApi } from "@/lib/server/http/api";
import { partParamsSchema, partQuerySchema } from "@/lib/validations/bins";

type Context = { params: Promise<{ binId: string; requestId: string; index: string }> };

export const GET = withApi(async (request: Request, { params }: Context) => {
  const { binId, requestId, index } = await authorizedParams(request, partParamsSchema, params, "read");
  const { inline } = parseQuery(partQuerySchema, request);
  const { part, content } = await getPartOrThrow(binId, requestId, index);
  // A view into the body read from storage (an ArrayBuffer, never shared): sent without a copy.
  return new Response(Buffer.from(content.buffer as ArrayBuffer, content.byteOffset, content.byteLength), {
    headers: partResponseHeaders(part, content, requestId, inline),
  });
});
