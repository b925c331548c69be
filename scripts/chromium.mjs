// The browser the tests and the benchmark drive: Debian's Chromium where it is installed
// (Playwright cannot download its own browser offline), CHROMIUM_PATH to override;
// undefined means Playwright's own browser, where one is installed.
import { existsSync } from "node:fs";

export function chromiumPath() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  return existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined;
}

// Keep Chromium off the network: without the resolver rules it still looks up Google's
// hosts, and without the two EXCLUDEs local pages fail to load.
export const chromiumFlags = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
];
