// The browser the tests and the benchmark drive: Debian's Chromium where it is installed
// (Playwright cannot download its own browser offline), CHROMIUM_PATH to override;
// undefined means Playwright's own browser, where one is installed.
import { existsSync } from "node:fs";

export function chromiumPath() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  return existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined;
}

// Chromium honours only the last --disable-features it is given, so ours must repeat
// the list Playwright passes (playwright-core's chromiumSwitches) or it would drop it.
// e2e/browser.spec.ts reads the running browser's command line to check that none is lost.
const playwrightDisabledFeatures = [
  "AvoidUnnecessaryBeforeUnloadCheckSync",
  "DestroyProfileOnBrowserClose",
  "HttpsUpgrades",
  "HttpsFirstBalancedModeAutoEnable",
  "LensOverlay",
  "MediaRouter",
  "PaintHolding",
  "ThirdPartyStoragePartitioning",
  "AvoidCorsURLLoaderRestartOnRedirect",
  "TcpPortRandomizationWin",
  "OptimizationHints",
  "NetworkTimeServiceQuerying",
  "AimEnabled",
  "PreconnectToSearch",
  "msForceBrowserSignIn",
  "msEdgeUpdateLaunchServicesPreferredVersion",
];

// Since Chromium 151 every new window, headless too, pre-renders the address bar's
// popup as a WebUI page in a renderer of its own. A fresh browser context is a new
// window, so each page load a test or the benchmark makes raced 0.3-1.2 s of that
// renderer's CPU on this 2-core machine (traced: chrome://omnibox-popup.top-chrome);
// a visitor's browser did that once, when it started. Puppeteer turns both off too.
const omniboxPopupFeatures = ["WebUIOmniboxPopup", "WebUIOmniboxAimPopup"];

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
  `--disable-features=${[...playwrightDisabledFeatures, ...omniboxPopupFeatures].join(",")}`,
];
