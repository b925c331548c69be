#!/bin/sh
# Stand-in for Prisma's native schema engine (see scripts/prisma.mjs).
if [ "$1" = "--version" ]; then
  echo "schema-engine-cli 0.0.0-offline"
  exit 0
fi
echo "The native Prisma schema engine is not installed; Hookyard applies migrations itself at start-up." >&2
exit 1
