import { ConfigError, databaseLabel, getConfig } from "./lib/config.ts";
import { startServer } from "./lib/server/app-server.ts";
import { describeAllowList } from "./lib/server/forwarding/forward-policy.ts";

process.env.NEXT_TELEMETRY_DISABLED = "1";

try {
  const config = getConfig();
  const running = await startServer(config);
  console.log(`Hookyard listening on ${running.url} (database ${databaseLabel(config.database)})`);
  // The operator sees what visitors can make this machine connect to, set or derived from HOST.
  console.log(`Forwarding may connect to: ${describeAllowList(config.forward.allowAddresses)} addresses (FORWARD_ALLOW_ADDRESSES)`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received, finishing in-flight captures…`);
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error("Shutdown failed", error);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
