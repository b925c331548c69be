import { captureBaseUrl, captureUrl, requestClientIp, withApi } from "@/lib/server/api";
import { createBin } from "@/lib/server/bins";

export const POST = withApi(async (request: Request) => {
  const bin = await createBin(requestClientIp(request.headers));
  return Response.json(
    { id: bin.id, url: captureUrl(captureBaseUrl(request.headers), bin.id), createdAt: bin.createdAt.toISOString() },
    { status: 201 },
  );
});
