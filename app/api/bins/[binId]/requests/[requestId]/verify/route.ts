import { authorizedParams, readJson, withApi } from "@/lib/server/http/api";
import { verifyCaptureOnce } from "@/lib/server/signatures/signature-checks";
import { requestParamsSchema, verifyOnceSchema } from "@/lib/validations/bins";

type Context = { params: Promise<{ binId: string; requestId: string }> };

export const POST = withApi(async (request: Request, { params }: Context) => {
  const { binId, requestId } = await authorizedParams(request, requestParamsSchema, params, "write");
  const check = verifyOnceSchema.parse(await readJson(request));
  return Response.json(await verifyCaptureOnce(binId, requestId, check));
});
