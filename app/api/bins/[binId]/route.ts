import { captureBaseUrl, parseParams, readJson, toBinDto, withApi } from "@/lib/server/api";
import { deleteBin, getBinOrThrow, updateBin } from "@/lib/server/bins";
import { binParamsSchema, updateBinSchema } from "@/lib/validations/bins";

type Context = { params: Promise<{ binId: string }> };

export const GET = withApi(async (request: Request, { params }: Context) => {
  const { binId } = await parseParams(binParamsSchema, params);
  return Response.json(toBinDto(await getBinOrThrow(binId), captureBaseUrl(request.headers)));
});

export const PATCH = withApi(async (request: Request, { params }: Context) => {
  const { binId } = await parseParams(binParamsSchema, params);
  const changes = updateBinSchema.parse(await readJson(request));
  const bin = await updateBin(binId, changes);
  return Response.json(toBinDto(bin, captureBaseUrl(request.headers)));
});

export const DELETE = withApi(async (_request: Request, { params }: Context) => {
  const { binId } = await parseParams(binParamsSchema, params);
  await deleteBin(binId);
  return new Response(null, { status: 204 });
});
