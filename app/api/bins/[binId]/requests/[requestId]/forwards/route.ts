import { authorizedParams, withApi } from "@/lib/server/http/api";
import { listForwards } from "@/lib/server/forwarding/forwarding";
import { requestParamsSchema } from "@/lib/validations/bins";

type Context = { params: Promise<{ binId: string; requestId: string }> };

/** Owners only: attempts name targets and what they answered, which a share link does not show. */
export const GET = withApi(async (request: Request, { params }: Context) => {
  const { binId, requestId } = await authorizedParams(request, requestParamsSchema, params, "owner");
  return Response.json(await listForwards(binId, requestId), { headers: { "Cache-Control": "no-store" } });
});
