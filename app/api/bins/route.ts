import { accessCookies } from "@/lib/server/access/cookies";
import { captureUrl, publicBaseUrl, requestClientIp, withApi } from "@/lib/server/api";
import { createBin } from "@/lib/server/bins";

/**
 * Answers the bin with its owner token, once. A browser also gets the token as the
 * bin's cookies, so the dashboard that made the bin opens it without handling the token.
 */
export const POST = withApi(async (request: Request) => {
  const bin = await createBin(requestClientIp(request.headers));
  const base = publicBaseUrl(request.headers);
  const headers = new Headers({ "Cache-Control": "no-store" });
  for (const cookie of accessCookies(bin.id, bin.token, { secure: base.startsWith("https:"), expiresAt: null })) headers.append("Set-Cookie", cookie);
  return Response.json({ id: bin.id, url: captureUrl(base, bin.id), token: bin.token, createdAt: bin.createdAt.toISOString() }, { status: 201, headers });
});
