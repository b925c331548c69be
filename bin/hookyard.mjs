#!/usr/bin/env node
// `npx hookyard forward <bin URL> --to <target URL>`: plain ESM for plain Node (no build,
// no Next, no Prisma), so it runs from a checkout or an installed package alike.
import { readFileSync } from "node:fs";
import { exitCodes, parseCommand, usage, UsageError } from "../cli/args.mjs";
import { relay, RelayExit } from "../cli/relay.mjs";

/** @param {string[]} argv */
async function main(argv) {
  /** @type {import("../cli/args.mjs").Command} */
  let command;
  try {
    command = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`hookyard: ${error.message}\nRun \`hookyard --help\` for usage.\n`);
    return exitCodes.usage;
  }
  if (command.kind === "help") {
    process.stdout.write(usage);
    return exitCodes.ok;
  }
  if (command.kind === "version") {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    process.stdout.write(`${pkg.version}\n`);
    return exitCodes.ok;
  }

  const stop = new AbortController();
  const onSignal = () => {
    // A second Ctrl-C does not wait for the delivery in flight.
    if (stop.signal.aborted) process.exit(130);
    process.stderr.write("Stopping after the delivery in flight (Ctrl-C again to quit now).\n");
    stop.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await relay(command.options, {
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
      stop: stop.signal,
    });
  } catch (error) {
    if (!(error instanceof RelayExit)) throw error;
    process.stderr.write(`hookyard: ${error.message}\n`);
    return error.code;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

process.exitCode = await main(process.argv.slice(2));
