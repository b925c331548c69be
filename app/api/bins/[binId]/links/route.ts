import { authorizedParams, publicBaseUrl, readJson, withApi } from "@/lib/server/http/api";
import { createLink, listLinks } from "@/lib/server/access/links";
import { binParamsSchema, createLinkSchema } from "@/lib/validations/bins";

type Context = { params: Promise<{ binId: string }> };

export const GET = withApi(async (request: Request, { params }: Context) => {
  const { binId } = await authorizedParams(request, binParamsSchema, params, "owner");
  return Response.json({ links: await listLinks(binId) }, { headers: { "Cache-Control": "no-store" } });
});

export const POST = withApi(async (request: Request, { params }: Context) => {
  const { access } = await authorizedParams(request, binParamsSchema, params, "write");
  const input = createLinkSchema.parse(await readJson(request));
  return Response.json(await createLink(access, input, publicBaseUrl(request.headers)), { status: 201, headers: { "Cache-Control": "no-store" } });
});
