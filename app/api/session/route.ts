import { bearerToken, refuseCrossSite } from "@/lib/server/access/authorize";
import { credentialsFrom } from "@/lib/server/access/credentials";
import { openSession } from "@/lib/server/access/session";
import { publicBaseUrl, requestClientIp, withApi } from "@/lib/server/http/api";

/**
 * POST /api/session with `Authorization: Bearer <token>`: this browser keeps the token
 * in the bin's cookies and opens the bin with it from then on (see /open).
 */
export const POST = withApi(async (request: Request) => {
  refuseCrossSite(credentialsFrom(request.headers, requestClientIp(request.headers)));
  const secure = publicBaseUrl(request.headers).startsWith("https:");
  const session = await openSession(bearerToken(request.headers.get("authorization")), requestClientIp(request.headers), secure);
  const headers = new Headers({ "Cache-Control": "no-store" });
  for (const cookie of session.cookies) headers.append("Set-Cookie", cookie);
  return Response.json({ binId: session.binId, role: session.role }, { headers });
});
