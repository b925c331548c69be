import { authorizedParams, readJson, withApi } from "@/lib/server/http/api";
import { forwardCapture } from "@/lib/server/forwarding/forwarding";
import { forwardSchema, requestParamsSchema } from "@/lib/validations/bins";

type Context = { params: Promise<{ binId: string; requestId: string }> };

/**
 * Sends the capture to a target and answers the attempt: the target's answer, or `error`
 * in words. The body is read only once the forward has a slot (429 beyond them).
 */
export const POST = withApi(async (request: Request, { params }: Context) => {
  const { binId, requestId } = await authorizedParams(request, requestParamsSchema, params, "write");
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  const attempt = await forwardCapture(binId, requestId, {
    declaredBytes: Number.isFinite(declared) ? declared : null,
    read: async () => forwardSchema.parse(await readJson(request)),
  });
  return Response.json(attempt, { headers: { "Cache-Control": "no-store" } });
});
