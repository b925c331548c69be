import { authorizedParams, parseQuery, withApi } from "@/lib/server/http/api";
import { clearRequests, listRequests } from "@/lib/server/storage/requests";
import { binParamsSchema, listRequestsQuerySchema } from "@/lib/validations/bins";

type Context = { params: Promise<{ binId: string }> };

export const GET = withApi(async (request: Request, { params }: Context) => {
  const { binId } = await authorizedParams(request, binParamsSchema, params, "read");
  const query = parseQuery(listRequestsQuerySchema, request);
  return Response.json(await listRequests(binId, query));
});

export const DELETE = withApi(async (request: Request, { params }: Context) => {
  const { binId } = await authorizedParams(request, binParamsSchema, params, "write");
  await clearRequests(binId);
  return new Response(null, { status: 204 });
});
