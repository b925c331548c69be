import { authorizedParams, withApi } from "@/lib/server/http/api";
import { deleteRequest, getRequestOrThrow } from "@/lib/server/storage/requests";
import { requestParamsSchema } from "@/lib/validations/bins";

type Context = { params: Promise<{ binId: string; requestId: string }> };

export const GET = withApi(async (request: Request, { params }: Context) => {
  const { binId, requestId } = await authorizedParams(request, requestParamsSchema, params, "read");
  return Response.json(await getRequestOrThrow(binId, requestId));
});

export const DELETE = withApi(async (request: Request, { params }: Context) => {
  const { binId, requestId } = await authorizedParams(request, requestParamsSchema, params, "write");
  await deleteRequest(binId, requestId);
  return new Response(null, { status: 204 });
});
