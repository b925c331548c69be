// `npm test`: every test, in one run. Builds the production server when needed, type-checks
// and lints the whole project, runs unit and integration tests (vitest) and browser journeys
// (Playwright in Chromium), and ends with the one line CI reads: "N passed, N failed".
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { ensureBuilt } from "./build-if-needed.mjs";

process.env.NEXT_TELEMETRY_DISABLED = "1";
ensureBuilt();

const reports = "test-results";
mkdirSync(reports, { recursive: true });
const vitestReport = path.join(reports, "vitest.json");
const playwrightReport = path.join(reports, "playwright.json");
rmSync(vitestReport, { force: true });
rmSync(playwrightReport, { force: true });

const run = (command, args, env = {}) => spawnSync(command, args, { stdio: "inherit", env: { ...process.env, ...env } }).status ?? 1;

// `next build` type-checks only when the bundle is rebuilt, and vitest and Playwright
// strip types without checking them: a type error in a test would pass here and fail
// the clean build in CI.
const typecheckStatus = run("npx", ["tsc", "--noEmit"]);
if (typecheckStatus !== 0) console.error("\nType check failed (tsc --noEmit): counted as one failure.");
// The bugs the types allow (a promise nobody awaits, a hook with stale dependencies).
const lintStatus = run("npm", ["run", "--silent", "lint"]);
if (lintStatus !== 0) console.error("\nLint failed (npm run lint): counted as one failure.");
const formatStatus = run("npm", ["run", "--silent", "format:check"]);
if (formatStatus !== 0) console.error("\nFormatting differs (npm run format:check; `npm run format` fixes it): counted as one failure.");
const vitestStatus = run("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestReport}`]);
const playwrightStatus = run("npx", ["playwright", "test"], { PLAYWRIGHT_JSON_OUTPUT_FILE: playwrightReport });

let passed = 0;
let failed = (typecheckStatus === 0 ? 0 : 1) + (lintStatus === 0 ? 0 : 1) + (formatStatus === 0 ? 0 : 1);
if (existsSync(vitestReport)) {
  const report = JSON.parse(readFileSync(vitestReport, "utf8"));
  passed += report.numPassedTests;
  failed += report.numFailedTests + (report.numTotalTestSuites > 0 && !report.success && report.numFailedTests === 0 ? 1 : 0);
} else {
  failed += 1;
}
if (existsSync(playwrightReport)) {
  const { stats } = JSON.parse(readFileSync(playwrightReport, "utf8"));
  passed += stats.expected + stats.flaky;
  failed += stats.unexpected;
} else {
  failed += 1;
}
// A runner that crashed without reporting a failed test still fails the run.
if (failed === 0 && (vitestStatus !== 0 || playwrightStatus !== 0)) failed = 1;

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
