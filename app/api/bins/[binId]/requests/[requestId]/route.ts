import { parseParams, withApi } from "@/lib/server/api";
import { deleteRequest, getRequestOrThrow } from "@/lib/server/requests";
import { requestParamsSchema } from "@/lib/validations/bins";

type Context = { params: Promise<{ binId: string; requestId: string }> };

export const GET = withApi(async (_request: Request, { params }: Context) => {
  const { binId, requestId } = await parseParams(requestParamsSchema, params);
  return Response.json(await getRequestOrThrow(binId, requestId));
});

export const DELETE = withApi(async (_request: Request, { params }: Context) => {
  const { binId, requestId } = await parseParams(requestParamsSchema, params);
  await deleteRequest(binId, requestId);
  return new Response(null, { status: 204 });
});
