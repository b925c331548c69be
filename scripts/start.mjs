// `npm start`: builds the production bundle when it is missing or older than the
// sources, then runs the server. Node loads .env itself only with a flag, so the one
// setting that must hold before Next loads is set here.
import { spawnSync } from "node:child_process";
import { ensureBuilt } from "./build-if-needed.mjs";

ensureBuilt();
const env = { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" };
const result = spawnSync(process.execPath, ["dist/server.mjs"], { stdio: "inherit", env });
process.exit(result.status ?? 1);
