// @ts-check
// `npm run lint`. Rules that catch bugs, not style (layout is the formatter's job): the
// recommended JavaScript and typescript-eslint sets, the type-aware checks that find
// forgotten promises and impossible code, React's rules of hooks, and Next's own rules.
import Module, { createRequire } from "node:module";
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import nextPlugin from "@next/eslint-plugin-next";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";

// typescript-eslint needs TypeScript's JavaScript compiler API, which TypeScript 7 (the
// project's `tsc`) no longer ships. TypeScript 6 is installed for the linter alone, in
// scripts/eslint-typescript/node_modules so that its `tsc` never shadows ours in
// node_modules/.bin, and this process answers typescript-eslint's `require("typescript")`
// with it. Only the linter's process is affected; it must run before typescript-eslint
// loads, hence the dynamic import below.
const fromTypescript6 = createRequire(new URL("./scripts/eslint-typescript/package.json", import.meta.url));
/** @type {{ _resolveFilename: (request: string, ...rest: unknown[]) => string }} */
const loader = /** @type {never} */ (Module);
const resolveFilename = loader._resolveFilename;
let redirecting = false;
loader._resolveFilename = function (request, ...rest) {
  if (!redirecting && (request === "typescript" || request.startsWith("typescript/"))) {
    redirecting = true;
    try {
      return fromTypescript6.resolve(request);
    } finally {
      redirecting = false;
    }
  }
  return resolveFilename.call(this, request, ...rest);
};
const { default: tseslint } = await import("typescript-eslint");

/** Database client packages: only storage drivers import them. */
const databaseDrivers = [
  {
    group: ["better-sqlite3", "pg", "@prisma/adapter-*", "@prisma/client", "@prisma/client/*"],
    message: "Only storage drivers (lib/server/storage/sqlite|postgres) talk to the database.",
  },
];
/** The storage drivers' folders, from anywhere (`./sqlite/…` in storage/, `../sqlite/…` in storage/prisma/, `…/storage/sqlite/…` elsewhere). */
const driverFolders = [
  {
    group: ["**/storage/sqlite/*", "**/storage/postgres/*", "./sqlite/*", "./postgres/*", "../sqlite/*", "../postgres/*"],
    message: "Storage drivers are reached through getStorage() (lib/server/storage/storage.ts), opened by open-storage.ts.",
  },
];
const storageInternals = [
  ...databaseDrivers,
  ...driverFolders,
  {
    group: [
      "**/generated/prisma",
      "**/generated/prisma/*",
      "**/generated/prisma-postgres",
      "**/generated/prisma-postgres/*",
      "**/storage/prisma/*",
      "./prisma/*",
    ],
    message: "Prisma belongs behind the storage interface: use getStorage() (lib/server/storage/storage.ts) and its plain types.",
  },
];

const unusedVars = {
  args: "after-used",
  argsIgnorePattern: "^_",
  varsIgnorePattern: "^_",
  caughtErrorsIgnorePattern: "^_",
  destructuredArrayIgnorePattern: "^_",
  ignoreRestSiblings: true,
};

export default defineConfig(
  {
    ignores: ["lib/server/generated/**", ".next/**", "dist/**", "data/**", "test-results/**", "playwright-report/**", "bench-results/**", "next-env.d.ts"],
  },
  { linterOptions: { reportUnusedDisableDirectives: "error" } },

  js.configs.recommended,
  {
    files: ["**/*.{js,mjs,cjs}"],
    languageOptions: { ecmaVersion: "latest", sourceType: "module", globals: globals.node },
    rules: { "no-unused-vars": ["error", unusedVars] },
  },

  {
    files: ["**/*.{ts,tsx,mts,cts}"],
    extends: [tseslint.configs.recommended],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", unusedVars],
      "@typescript-eslint/consistent-type-imports": ["error", { prefer: "type-imports", fixStyle: "inline-type-imports" }],
      // Type-aware: what only the types can tell.
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-unnecessary-type-assertion": "error",
      "@typescript-eslint/only-throw-error": "error",
      // A `default:` does not excuse a union member nobody handles.
      "@typescript-eslint/switch-exhaustiveness-check": "error",
    },
  },

  {
    files: ["app/**/*.{ts,tsx}", "components/**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks, "@next/next": nextPlugin },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
      ...nextPlugin.configs.recommended.rules,
      ...nextPlugin.configs["core-web-vitals"].rules,
    },
  },

  {
    // The storage seam (docs/decisions/012): only the drivers and the repositories they
    // share reach the database. Everything else, storage's own domain modules included,
    // goes through lib/server/storage/storage.ts. Storage's own tests may look at rows.
    files: ["**/*.{ts,tsx,mts,cts}"],
    ignores: [
      "lib/server/storage/sqlite/**",
      "lib/server/storage/postgres/**",
      "lib/server/storage/prisma/**",
      "lib/server/storage/open-storage.ts",
      "lib/server/storage/**/*.test.ts",
      // Integration tests and their support read the server's database file, or start
      // PostgreSQL; the scripts (the cluster, migrations, the benchmark) run beside the app.
      "e2e/**",
      "scripts/**",
      // Below: the live bus's own LISTEN connection.
      "lib/server/live/postgres-bus*.ts",
    ],
    rules: { "no-restricted-imports": ["error", { patterns: storageInternals }] },
  },
  {
    // PostgreSQL's live bus holds one dedicated LISTEN connection per instance (decision
    // 011), which is a pg client by nature; what it reads goes through the callbacks it is
    // given. It still may not reach Prisma or a storage driver.
    files: ["lib/server/live/postgres-bus*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["better-sqlite3", "@prisma/adapter-*", "@prisma/client", "@prisma/client/*"], message: databaseDrivers[0].message },
            ...storageInternals.slice(1),
          ],
        },
      ],
    },
  },
  {
    // The shared repositories work through Prisma's model API only, on the client a driver hands them.
    files: ["lib/server/storage/prisma/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: databaseDrivers.concat(driverFolders) }] },
  },

  {
    // A `let` a closure reads before its one assignment (a timer cleared by a callback
    // that may run first) cannot be a `const`: it would throw in its temporal dead zone.
    rules: { "prefer-const": ["error", { ignoreReadBeforeAssign: true }] },
  },
);
