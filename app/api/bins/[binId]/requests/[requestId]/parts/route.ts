import { listPartsOrThrow } from "@/lib/server/decoding/body-parts";
import { authorizedParams, withApi } from "@/lib/server/http/api";
import { requestParamsSchema } from "@/lib/validations/bins";

type Context = { params: Promise<{ binId: string; requestId: string }> };

export const GET = withApi(async (request: Request, { params }: Context) => {
  const { binId, requestId } = await authorizedParams(request, requestParamsSchema, params, "read");
  return Response.json(await listPartsOrThrow(binId, requestId));
});
