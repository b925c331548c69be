import { authorizedParams, captureBaseUrl, readJson, toBinDto, withApi } from "@/lib/server/http/api";
import { deleteBin, getBinOrThrow, updateBin } from "@/lib/server/bins/bins";
import { binParamsSchema, updateBinSchema } from "@/lib/validations/bins";

type Context = { params: Promise<{ binId: string }> };

export const GET = withApi(async (request: Request, { params }: Context) => {
  const { binId, access } = await authorizedParams(request, binParamsSchema, params, "read");
  return Response.json(toBinDto(await getBinOrThrow(binId), captureBaseUrl(request.headers), access.role));
});

export const PATCH = withApi(async (request: Request, { params }: Context) => {
  const { binId } = await authorizedParams(request, binParamsSchema, params, "write");
  const changes = updateBinSchema.parse(await readJson(request));
  const bin = await updateBin(binId, changes);
  return Response.json(toBinDto(bin, captureBaseUrl(request.headers)));
});

export const DELETE = withApi(async (request: Request, { params }: Context) => {
  const { binId } = await authorizedParams(request, binParamsSchema, params, "write");
  await deleteBin(binId);
  return new Response(null, { status: 204 });
});
