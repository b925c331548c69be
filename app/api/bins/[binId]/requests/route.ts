import { parseParams, parseQuery, withApi } from "@/lib/server/api";
import { clearRequests, listRequests } from "@/lib/server/requests";
import { binParamsSchema, listRequestsQuerySchema } from "@/lib/validations/bins";

type Context = { params: Promise<{ binId: string }> };

export const GET = withApi(async (request: Request, { params }: Context) => {
  const { binId } = await parseParams(binParamsSchema, params);
  const query = parseQuery(listRequestsQuerySchema, request);
  return Response.json(await listRequests(binId, query));
});

export const DELETE = withApi(async (_request: Request, { params }: Context) => {
  const { binId } = await parseParams(binParamsSchema, params);
  await clearRequests(binId);
  return new Response(null, { status: 204 });
});
