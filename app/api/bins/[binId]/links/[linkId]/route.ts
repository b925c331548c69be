import { authorizedParams, withApi } from "@/lib/server/http/api";
import { revokeLink } from "@/lib/server/access/links";
import { grantParamsSchema } from "@/lib/validations/bins";

type Context = { params: Promise<{ binId: string; linkId: string }> };

export const DELETE = withApi(async (request: Request, { params }: Context) => {
  const { binId, linkId } = await authorizedParams(request, grantParamsSchema, params, "write");
  await revokeLink(binId, linkId);
  return new Response(null, { status: 204 });
});
