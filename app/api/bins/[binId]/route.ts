import { captureUrl, parseParams, publicBaseUrl, withApi } from "@/lib/server/api";
import { deleteBin, getBinOrThrow } from "@/lib/server/bins";
import type { BinDto } from "@/lib/types";
import { binParamsSchema } from "@/lib/validations/bins";

type Context = { params: Promise<{ binId: string }> };

export const GET = withApi(async (request: Request, { params }: Context) => {
  const { binId } = await parseParams(binParamsSchema, params);
  const bin = await getBinOrThrow(binId);
  const body: BinDto = {
    id: bin.id,
    url: captureUrl(publicBaseUrl(request.headers), bin.id),
    createdAt: bin.createdAt.toISOString(),
    requestCount: bin.requestCount,
  };
  return Response.json(body);
});

export const DELETE = withApi(async (_request: Request, { params }: Context) => {
  const { binId } = await parseParams(binParamsSchema, params);
  await deleteBin(binId);
  return new Response(null, { status: 204 });
});
