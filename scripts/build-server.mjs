// Bundles server.ts for Node: Next does not compile a custom server and Node 20 cannot run TypeScript.
import { build } from "esbuild";

await build({
  entryPoints: ["server.ts"],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  outfile: "dist/server.mjs",
  logLevel: "warning",
});
