import { parseParams, publicBaseUrl, readJson, toBinDto, withApi } from "@/lib/server/api";
import { deleteBin, getBinOrThrow, updateBinSignature } from "@/lib/server/bins";
import { binParamsSchema, updateBinSchema } from "@/lib/validations/bins";

type Context = { params: Promise<{ binId: string }> };

export const GET = withApi(async (request: Request, { params }: Context) => {
  const { binId } = await parseParams(binParamsSchema, params);
  return Response.json(toBinDto(await getBinOrThrow(binId), publicBaseUrl(request.headers)));
});

export const PATCH = withApi(async (request: Request, { params }: Context) => {
  const { binId } = await parseParams(binParamsSchema, params);
  const { signature } = updateBinSchema.parse(await readJson(request));
  const bin = await updateBinSignature(binId, signature);
  return Response.json(toBinDto(bin, publicBaseUrl(request.headers)));
});

export const DELETE = withApi(async (_request: Request, { params }: Context) => {
  const { binId } = await parseParams(binParamsSchema, params);
  await deleteBin(binId);
  return new Response(null, { status: 204 });
});
