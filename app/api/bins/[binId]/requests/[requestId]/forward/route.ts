import { authorizedParams, readJson, withApi } from "@/lib/server/http/api";
import { forwardCapture } from "@/lib/server/forwarding/forwarding";
import { forwardSchema, requestParamsSchema } from "@/lib/validations/bins";

type Context = { params: Promise<{ binId: string; requestId: string }> };

/** Sends the capture to a target and answers the attempt: the target's answer, or `error` in words. */
export const POST = withApi(async (request: Request, { params }: Context) => {
  const { binId, requestId } = await authorizedParams(request, requestParamsSchema, params, "write");
  const input = forwardSchema.parse(await readJson(request));
  return Response.json(await forwardCapture(binId, requestId, input), { headers: { "Cache-Control": "no-store" } });
});
