import { withApi } from "@/lib/server/api";
import { checkDatabase } from "@/lib/server/health";

export const dynamic = "force-dynamic";

export const GET = withApi(async () => {
  await checkDatabase();
  return Response.json({ ok: true }, { headers: { "Cache-Control": "no-store" } });
});
