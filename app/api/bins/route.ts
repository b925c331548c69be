import { refuseCrossSite } from "@/lib/server/access/authorize";
import { credentialsFrom } from "@/lib/server/access/credentials";
import { accessCookies } from "@/lib/server/access/cookies";
import { captureBaseUrl, captureUrl, publicBaseUrl, requestClientIp, withApi } from "@/lib/server/http/api";
import { createBin } from "@/lib/server/bins/bins";

/**
 * Answers the bin with its owner token, once. A browser also gets the token as the
 * bin's cookies, so the dashboard that made the bin opens it without handling the token.
 */
export const POST = withApi(async (request: Request) => {
  refuseCrossSite(credentialsFrom(request.headers, requestClientIp(request.headers)));
  const bin = await createBin(requestClientIp(request.headers));
  const secure = publicBaseUrl(request.headers).startsWith("https:");
  const headers = new Headers({ "Cache-Control": "no-store" });
  for (const cookie of accessCookies(bin.id, bin.token, { secure, expiresAt: null })) headers.append("Set-Cookie", cookie);
  return Response.json(
    { id: bin.id, url: captureUrl(captureBaseUrl(request.headers), bin.id), token: bin.token, createdAt: bin.createdAt.toISOString() },
    { status: 201, headers },
  );
});
