import { withApi } from "@/lib/server/http/api";
import { checkHealth } from "@/lib/server/storage/health";

export const dynamic = "force-dynamic";

export const GET = withApi(async () => {
  const report = await checkHealth();
  return Response.json(report, { status: report.ok ? 200 : 503, headers: { "Cache-Control": "no-store" } });
});
