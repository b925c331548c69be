import { parseParams, withApi } from "@/lib/server/api";
import { listForwards } from "@/lib/server/forwarding";
import { requestParamsSchema } from "@/lib/validations/bins";

type Context = { params: Promise<{ binId: string; requestId: string }> };

export const GET = withApi(async (_request: Request, { params }: Context) => {
  const { binId, requestId } = await parseParams(requestParamsSchema, params);
  return Response.json(await listForwards(binId, requestId), { headers: { "Cache-Control": "no-store" } });
});
